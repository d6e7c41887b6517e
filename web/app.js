// torchlab's exported page: loads the model inlined in the page into the WebAssembly build of torchlab's kernels and
// shows the model's own interface. Scripts and tests use window.torchlab (ready, q, move, sample, probs, ...).
'use strict';
(function () {
  const api = {};
  window.torchlab = api;
  const $ = (id) => document.getElementById(id);
  const fatal = (message) => {
    const box = $('fatal');
    box.textContent = message;
    box.style.display = 'block';
  };
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.instantiate !== 'function') {
    fatal('This page needs WebAssembly, which this browser does not offer (or has turned off). ' +
          'Open it in a current Chrome, Firefox, Safari or Edge.');
    api.ready = Promise.reject(new Error('no WebAssembly'));
    return;
  }

  // The model: a gzip-compressed safetensors file, base64 in the page.
  async function readModel() {
    const text = $('torchlab-model').textContent.trim();
    const raw = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    const stream = new Blob([raw]).stream().pipeThrough(new DecompressionStream('gzip'));
    const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    const view = new DataView(bytes.buffer);
    const headerLength = Number(view.getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    const meta = header.__metadata__ || {};
    delete header.__metadata__;
    const base = 8 + headerLength;
    const tensors = {};
    const raw8 = {};
    for (const [name, info] of Object.entries(header)) {
      const [begin, end] = info.data_offsets;
      const slice = bytes.slice(base + begin, base + end).buffer;
      if (info.dtype === 'F32') tensors[name] = { shape: info.shape, data: new Float32Array(slice) };
      else if (info.dtype === 'I8') raw8[name] = { shape: info.shape, data: new Int8Array(slice) };
      else throw new Error(`tensor ${name}: dtype ${info.dtype}, the page reads F32 and I8`);
    }
    // int8 rows with a float32 scale each (interop/quantize.h): a Float32Array store rounds q * scale to float32,
    // the same float the native dequantization computes.
    for (const [name, q] of Object.entries(raw8)) {
      const scale = tensors[`${name}.scale`];
      if (!scale || q.shape.length !== 2 || scale.data.length !== q.shape[0]) throw new Error(`tensor ${name}: no scales`);
      const cols = q.shape[1];
      const data = new Float32Array(q.data.length);
      for (let i = 0; i < data.length; ++i) data[i] = q.data[i] * scale.data[(i / cols) | 0];
      tensors[name] = { shape: q.shape, data };
      delete tensors[`${name}.scale`];
    }
    return { meta, tensors };
  }

  let M = null;  // the wasm module
  const copyIn = (array) => {
    const p = M._malloc(array.length * 4);
    M.HEAPF32.set(array, p / 4);
    return p;
  };
  const floats = (p, n) => Array.from(M.HEAPF32.subarray(p / 4, p / 4 + n));

  // ---- tic-tac-toe: DQN or Q-table -------------------------------------------------------------------------------
  function ticTacToe(model) {
    const meta = model.meta;
    let qOf;
    if (meta.model === 'dqn') {
      const sizes = JSON.parse(meta.layer_sizes);
      const net = makeMlp(model, sizes);
      qOf = (board) => {
        const toMove = sideToMove(board);
        return net(board.map((v) => v * toMove));  // +1 own piece, -1 the opponent's: the network's view
      };
    } else {
      // Rows of [base-3 code of the board, q0..q8], NaN for an action never tried (the player skips those, as
      // natively); a position never seen has no row.
      const table = model.tensors['q_table'].data;
      const rows = new Map();
      for (let i = 0; i < table.length; i += 10) rows.set(table[i], table.subarray(i + 1, i + 10));
      qOf = (board) => {
        const q = rows.get(M._tl_board_code(boardPtr(board)));
        return q ? Array.from(q, (v) => (Number.isNaN(v) ? null : v)) : new Array(9).fill(null);
      };
    }
    const boardBuffer = M._malloc(9 * 4);
    function boardPtr(board) {
      M.HEAP32.set(board.map((v) => v | 0), boardBuffer / 4);
      return boardBuffer;
    }
    function sideToMove(board) {
      let x = 0, o = 0;
      for (const v of board) { if (v === 1) x++; else if (v === -1) o++; }
      return x === o ? 1 : -1;
    }
    const winner = (board) => M._tl_board_winner(boardPtr(board));
    const legal = (board) => M._tl_board_legal_mask(boardPtr(board));
    const move = (board) => {
      const mask = legal(board);
      if (!mask) throw new Error('the game is over: no legal move');
      // The best known legal action, ties to the lowest cell; with none known, the lowest legal cell.
      const q = qOf(board);
      let best = -1;
      for (let c = 0; c < 9; c++) if ((mask >> c) & 1 && q[c] !== null && (best < 0 || q[c] > q[best])) best = c;
      if (best < 0) while (!((mask >> ++best) & 1));
      return best;
    };
    api.q = (board) => { checkBoard(board); return qOf(board); };
    api.move = (board) => { checkBoard(board); return move(board); };
    api.winner = (board) => { checkBoard(board); return winner(board); };

    // The interface: a board, the agent's Q-values as a heat map on the free cells, new game, undo, the record.
    $('app').innerHTML = `
      <div class="panel row">
        <div><div class="board" id="board"></div><div id="status"></div></div>
        <div>
          <p><label><input type="radio" name="side" value="1" checked> play X (first)</label>
             <label><input type="radio" name="side" value="-1"> play O</label></p>
          <p><button id="new">New game</button> <button id="undo">Undo</button></p>
          <p>Record since this page opened (you, against the agent):<br>
             <b id="record">0 wins · 0 draws · 0 losses</b></p>
          <p style="font-size:13px;color:#555;max-width:330px">Numbers on the free cells are the agent's Q-values for
             the side to move; green = good for the side to move, red = bad.</p>
        </div>
      </div>`;
    const cells = [];
    for (let c = 0; c < 9; c++) {
      const cell = document.createElement('div');
      cell.className = 'cell';
      cell.dataset.cell = c;
      cell.addEventListener('click', () => humanPlays(c));
      $('board').appendChild(cell);
      cells.push(cell);
    }
    const record = { win: 0, draw: 0, loss: 0 };
    let board, history, human, finished;
    function newGame() {
      board = new Array(9).fill(0);
      history = [];
      human = Number(document.querySelector('input[name=side]:checked').value);
      finished = false;
      if (human === -1) agentPlays();
      render();
    }
    function play(cell) {
      history.push(board.slice());
      board[cell] = sideToMove(board);
    }
    function over() {
      const w = winner(board);
      if (!w && legal(board)) return false;
      finished = true;
      if (w === human) record.win++; else if (w === -human) record.loss++; else record.draw++;
      $('record').textContent = `${record.win} wins · ${record.draw} draws · ${record.loss} losses`;
      return true;
    }
    function agentPlays() {
      if (!finished && !over()) { play(move(board)); over(); }
    }
    function humanPlays(cell) {
      if (finished || sideToMove(board) !== human || board[cell] !== 0) return;
      play(cell);
      agentPlays();
      render();
    }
    function undo() {
      // Back to the last position where it was the human's turn.
      while (history.length) {
        board = history.pop();
        if (sideToMove(board) === human) break;
      }
      finished = false;
      if (sideToMove(board) !== human) agentPlays();
      render();
    }
    function render() {
      const q = finished ? null : qOf(board);
      const mask = legal(board);
      const freeQ = q ? q.filter((v, c) => (mask >> c) & 1 && v !== null) : [];
      const lo = Math.min(...freeQ), hi = Math.max(...freeQ);
      for (let c = 0; c < 9; c++) {
        const v = board[c];
        cells[c].className = 'cell' + (v === 1 ? ' x' : v === -1 ? ' o' : '');
        cells[c].textContent = v === 1 ? 'X' : v === -1 ? 'O' : '';
        cells[c].style.background = '#fff';
        if (!v && q && (mask >> c) & 1 && q[c] !== null) {
          const t = hi > lo ? (q[c] - lo) / (hi - lo) : 0.5;
          cells[c].style.background = `hsl(${Math.round(120 * t)}, 70%, 78%)`;
          const label = document.createElement('span');
          label.className = 'q';
          label.textContent = q[c].toFixed(2);
          cells[c].appendChild(label);
        }
      }
      const w = winner(board);
      $('status').textContent = w ? (w === human ? 'You win.' : 'The agent wins.')
        : !mask ? 'Draw.' : sideToMove(board) === human ? 'Your move.' : 'Agent to move.';
    }
    $('new').addEventListener('click', newGame);
    $('undo').addEventListener('click', undo);
    for (const r of document.querySelectorAll('input[name=side]')) r.addEventListener('change', newGame);
    api.newGame = newGame;
    api.record = () => ({ ...record });
    api.board = () => board.slice();
    api.boardBox = () => {
      const r = $('board').getBoundingClientRect();
      return { x: Math.round(r.x), y: Math.round(r.y), width: Math.round(r.width), height: Math.round(r.height) };
    };
    api.over = () => finished;
    newGame();
  }

  function checkBoard(board) {
    if (!Array.isArray(board) || board.length !== 9 || board.some((v) => v !== 0 && v !== 1 && v !== -1)) {
      throw new Error('a board is 9 numbers: 1 = X, -1 = O, 0 = empty');
    }
  }

  // A Linear-ReLU stack whose weights are fc1.weight, fc1.bias, ... ; returns x => outputs.
  function makeMlp(model, sizes) {
    const layers = sizes.length - 1;
    const sizesPtr = M._malloc(sizes.length * 4);
    M.HEAP32.set(sizes, sizesPtr / 4);
    const weights = M._malloc(layers * 4), biases = M._malloc(layers * 4);
    for (let l = 0; l < layers; l++) {
      M.HEAP32[weights / 4 + l] = copyIn(model.tensors[`fc${l + 1}.weight`].data);
      M.HEAP32[biases / 4 + l] = copyIn(model.tensors[`fc${l + 1}.bias`].data);
    }
    const net = M._tl_mlp_new(layers, sizesPtr, weights, biases);
    const input = M._malloc(sizes[0] * 4), out = M._malloc(sizes[layers] * 4);
    return (x) => {
      M.HEAPF32.set(x, input / 4);
      M._tl_mlp_forward(net, input, out);
      return floats(out, sizes[layers]);
    };
  }

  // ---- char-rnn -----------------------------------------------------------------------------------------------------
  function charRnn(model) {
    const meta = model.meta;
    const vocab = JSON.parse(meta.vocab);  // {"kind": "bytes"|"chars", "symbols": [...]}
    const symbols = vocab.symbols;
    const index = new Map(symbols.map((s, i) => [s, i]));
    const cfg = { cell: meta.cell, layers: Number(meta.layers), hidden: Number(meta.hidden), vocab: symbols.length };
    const t = (name) => model.tensors[name].data;
    const net = M._tl_rnn_new(cfg.cell === 'gru' ? 1 : 0, cfg.vocab, cfg.hidden, cfg.layers);
    for (let l = 0; l < cfg.layers; l++) {
      M._tl_rnn_set_layer(net, l, copyIn(t(`rnn.weight_ih_l${l}`)), copyIn(t(`rnn.weight_hh_l${l}`)),
                          copyIn(t(`rnn.bias_ih_l${l}`)), copyIn(t(`rnn.bias_hh_l${l}`)));
    }
    M._tl_rnn_set_head(net, copyIn(t('head.weight')), copyIn(t('head.bias')));
    const encoder = new TextEncoder();
    function encode(text) {
      const units = vocab.kind === 'bytes' ? Array.from(encoder.encode(text)) : Array.from(text, (c) => c.codePointAt(0));
      return units.map((u) => {
        if (!index.has(u)) throw new Error(`the prime holds a symbol outside the model's vocabulary: ${JSON.stringify(String.fromCodePoint(u))}`);
        return index.get(u);
      });
    }
    const byteDecoder = new TextDecoder();
    const decode = (labels) => (vocab.kind === 'bytes' ? byteDecoder.decode(new Uint8Array(labels.map((l) => symbols[l])))
      : labels.map((l) => String.fromCodePoint(symbols[l])).join(''));
    const primeBuffer = (labels) => {
      const p = M._malloc(Math.max(1, labels.length) * 4);
      M.HEAP32.set(labels, p / 4);
      return p;
    };
    // Generation in pieces, so the page can show text while it grows.
    function start(prime, temperature, topK, seed) {
      if (!(temperature > 0)) throw new Error('temperature must be above 0');
      const labels = encode(prime);
      const p = primeBuffer(labels);
      M._tl_rnn_sample_begin(net, p, labels.length, temperature, topK | 0, BigInt.asUintN(64, BigInt(seed)));
      M._free(p);
    }
    const out = M._malloc(4096 * 4);
    function next(n) {
      M._tl_rnn_sample_next(net, n, out);
      return Array.from(M.HEAP32.subarray(out / 4, out / 4 + n));
    }
    api.vocab = symbols.map((s) => (vocab.kind === 'bytes' ? s : String.fromCodePoint(s)));
    api.sample = (prime = '', length = 200, temperature = 1.0, seed = 42, topK = 0) => {
      start(prime, temperature, topK, seed);
      const labels = [];
      while (labels.length < length) labels.push(...next(Math.min(4096, length - labels.length)));
      return decode(labels);
    };
    api.probs = (prime = '') => {
      const labels = encode(prime);
      const p = primeBuffer(labels);
      const probs = M._malloc(cfg.vocab * 4);
      M._tl_rnn_probs(net, p, labels.length, probs);
      const result = floats(probs, cfg.vocab);
      M._free(p);
      M._free(probs);
      return result;
    };

    $('app').innerHTML = `
      <div class="panel">
        <p><label>Prime text<br><textarea id="prime" rows="2">${escapeHtml(meta.prime || '')}</textarea></label></p>
        <p><label>Temperature <input id="temperature" type="number" min="0.05" max="3" step="0.05" value="0.8"></label>
           <label>Top-k <input id="topk" type="number" min="0" step="1" value="0"></label>
           <label>Length <input id="length" type="number" min="1" max="100000" step="100" value="1000"></label>
           <label>Seed <input id="seed" type="number" min="0" step="1" value="42"></label>
           <button id="go">Generate</button> <button id="stop">Stop</button></p>
        <div id="status"></div>
        <pre id="text"></pre>
      </div>`;
    let running = 0;
    $('stop').addEventListener('click', () => { running++; });
    $('go').addEventListener('click', () => {
      const run = ++running;
      const prime = $('prime').value;
      const length = Math.max(1, Number($('length').value) | 0);
      try {
        start(prime, Number($('temperature').value), Number($('topk').value), Number($('seed').value));
      } catch (e) {
        $('status').textContent = e.message;
        return;
      }
      $('text').textContent = prime;
      const labels = [];
      const t0 = performance.now();
      const tick = () => {
        if (run !== running) return;
        labels.push(...next(Math.min(64, length - labels.length)));
        $('text').textContent = prime + decode(labels);
        const seconds = (performance.now() - t0) / 1000;
        $('status').textContent = `${labels.length} characters · ${Math.round(labels.length / Math.max(seconds, 1e-3))} chars/s`;
        if (labels.length < length) setTimeout(tick, 0);
      };
      tick();
    });
  }

  function escapeHtml(s) {
    return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
  }

  // ---- CartPole ------------------------------------------------------------------------------------------------------
  function cartPole(model) {
    const sizes = JSON.parse(model.meta.layer_sizes);
    const net = makeMlp(model, sizes);
    const env = M._tl_cartpole_new();
    const obs = M._malloc(4 * 4);
    const observe = () => { M._tl_cartpole_observe(env, obs); return floats(obs, 4); };
    const act = (o) => { const q = net(o); return q[1] > q[0] ? 1 : 0; };
    api.q = (state) => net(state);
    api.act = act;
    const scratch = M._tl_cartpole_new();  // api.episode's own environment: the animation keeps running
    api.episode = (seed) => {  // the return of one episode from a seeded start, as natively
      M._tl_cartpole_reset(scratch, BigInt.asUintN(64, BigInt(seed)));
      let total = 0;
      while (!M._tl_cartpole_done(scratch)) {
        M._tl_cartpole_observe(scratch, obs);
        total += M._tl_cartpole_step(scratch, act(floats(obs, 4)));
      }
      return total;
    };
    $('app').innerHTML = `
      <div class="panel">
        <canvas id="scene" width="600" height="260"></canvas>
        <div id="status"></div>
        <p><button id="reset">New episode</button></p>
      </div>`;
    const ctx = $('scene').getContext('2d');
    let ret = 0, episode = 0, timer = null;
    function reset() {
      M._tl_cartpole_reset(env, BigInt(++episode));
      ret = 0;
      if (!timer) timer = setInterval(frame, 20);
    }
    function frame() {
      if (M._tl_cartpole_done(env)) {
        $('status').textContent = `Episode ${episode}: return ${ret} (500 is the cap).`;
        clearInterval(timer);
        timer = null;
        return;
      }
      ret += M._tl_cartpole_step(env, act(observe()));
      draw(observe());
      $('status').textContent = `Episode ${episode}: return so far ${ret}`;
    }
    function draw([x, , theta]) {
      const w = 600, h = 260, scale = w / 4.8, ground = 200;
      ctx.clearRect(0, 0, w, h);
      ctx.strokeStyle = '#555'; ctx.beginPath(); ctx.moveTo(0, ground); ctx.lineTo(w, ground); ctx.stroke();
      const cx = w / 2 + x * scale;
      ctx.fillStyle = '#243447'; ctx.fillRect(cx - 30, ground - 30, 60, 30);
      ctx.strokeStyle = '#c0392b'; ctx.lineWidth = 8; ctx.beginPath(); ctx.moveTo(cx, ground - 30);
      ctx.lineTo(cx + Math.sin(theta) * 1.0 * scale, ground - 30 - Math.cos(theta) * 1.0 * scale); ctx.stroke();
      ctx.lineWidth = 1;
    }
    $('reset').addEventListener('click', reset);
    reset();
  }

  api.ready = (async () => {
    const model = await readModel();
    M = await createTorchlabWasm();
    api.kind = model.meta.kind;
    api.meta = model.meta;
    if (model.meta.kind === 'tictactoe') ticTacToe(model);
    else if (model.meta.kind === 'char-rnn') charRnn(model);
    else if (model.meta.kind === 'cartpole') cartPole(model);
    else throw new Error(`this page does not know the model kind ${model.meta.kind}`);
    return true;
  })();
  api.ready.catch((e) => fatal(`The model could not be loaded: ${e.message}`));
})();
