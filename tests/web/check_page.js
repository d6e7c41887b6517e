// Drives an exported page in headless Chromium over the DevTools protocol and prints what it measured as JSON.
// Usage: node check_page.js PAGE.html CHECKS.json
//   CHECKS: {"boards": [[9 cells]...], "primes": [...], "samples": [{prime, length, temperature, seed, top_k}],
//            "games": true, "screenshot": "shot.png", "timing": true, "states": [[4 floats]...], "episodes": [seeds]}
'use strict';
const fs = require('fs');
const path = require('path');
const { Browser } = require('./cdp');

// Perfect play for the side to move: +1 win, 0 draw, -1 loss; ties broken by the lowest cell.
function minimax(board) {
  const lines = [[0, 1, 2], [3, 4, 5], [6, 7, 8], [0, 3, 6], [1, 4, 7], [2, 5, 8], [0, 4, 8], [2, 4, 6]];
  const winner = (b) => {
    for (const [a, c, d] of lines) if (b[a] && b[a] === b[c] && b[a] === b[d]) return b[a];
    return 0;
  };
  const toMove = (b) => (b.filter((v) => v === 1).length === b.filter((v) => v === -1).length ? 1 : -1);
  const value = (b) => {
    const w = winner(b);
    if (w) return w === toMove(b) ? 1 : -1;
    if (b.every((v) => v)) return 0;
    let best = -2;
    for (let c = 0; c < 9; c++) {
      if (b[c]) continue;
      const next = b.slice();
      next[c] = toMove(b);
      best = Math.max(best, -value(next));
    }
    return best;
  };
  let best = -2, bestCell = -1;
  for (let c = 0; c < 9; c++) {
    if (board[c]) continue;
    const next = board.slice();
    next[c] = toMove(board);
    const v = -value(next);
    if (v > best) { best = v; bestCell = c; }
  }
  return bestCell;
}

async function playAllOpenings(page) {
  // The human side is scripted perfect play, clicking the page's own cells; every first move of the human is tried.
  const games = [];
  for (const side of [1, -1]) {
    for (let opening = 0; opening < 9; opening++) {
      await page.eval(`document.querySelector('input[name=side][value="${side}"]').click(), torchlab.newGame(), 0`);
      let board = await page.eval('torchlab.board()');
      if (board[opening] !== 0) continue;  // as O, the agent already took this cell
      let first = true;
      for (;;) {
        const state = await page.eval('({board: torchlab.board(), over: torchlab.over()})');
        if (state.over) { board = state.board; break; }
        const cell = first ? opening : minimax(state.board);
        first = false;
        await page.eval(`document.querySelector('[data-cell="${cell}"]').click(), 0`);
      }
      games.push({ side, opening, board, winner: await page.eval(`torchlab.winner(${JSON.stringify(board)})`) });
    }
  }
  return { games, record: await page.eval('torchlab.record()') };
}

async function main() {
  const [pageFile, checksFile] = process.argv.slice(2);
  const checks = JSON.parse(fs.readFileSync(checksFile, 'utf8'));
  const browser = await Browser.launch({ width: 1000, height: 900 });
  const out = {};
  try {
    const page = await browser.open('file://' + path.resolve(pageFile));
    out.ready = await page.eval('torchlab.ready.then(() => true, (e) => String(e))');
    out.kind = await page.eval('torchlab.kind');
    if (checks.boards) out.q = await page.eval(`${JSON.stringify(checks.boards)}.map((b) => torchlab.q(b))`);
    if (checks.boards) out.moves = await page.eval(`${JSON.stringify(checks.boards)}.map((b) => torchlab.move(b))`);
    if (checks.primes) out.probs = await page.eval(`${JSON.stringify(checks.primes)}.map((p) => torchlab.probs(p))`);
    if (checks.samples) {
      out.samples = await page.eval(`${JSON.stringify(checks.samples)}.map((s) =>
          torchlab.sample(s.prime, s.length, s.temperature, s.seed, s.top_k || 0))`);
    }
    if (checks.states) out.q = await page.eval(`${JSON.stringify(checks.states)}.map((s) => torchlab.q(s))`);
    if (checks.episodes) out.returns = await page.eval(`${JSON.stringify(checks.episodes)}.map((s) => torchlab.episode(s))`);
    if (checks.games) out.games = await playAllOpenings(page);
    if (checks.timing && out.kind === 'tictactoe') {
      out.move_us = await page.eval(`(() => {
        const boards = [[0,0,0,0,0,0,0,0,0], [1,0,0,0,-1,0,0,0,0], [1,-1,0,0,1,0,0,0,0], [1,-1,1,0,-1,0,0,0,0]];
        for (let i = 0; i < 20000; i++) torchlab.move(boards[i & 3]);
        const runs = [];
        for (let r = 0; r < 5; r++) {
          const t0 = performance.now();
          for (let i = 0; i < 100000; i++) torchlab.move(boards[i & 3]);
          runs.push((performance.now() - t0) * 1000 / 100000);
        }
        return runs.sort((a, b) => a - b);
      })()`);
    }
    if (checks.timing && out.kind === 'char-rnn') {
      out.chars_per_s = await page.eval(`(() => {
        torchlab.sample('', 200, 1.0, 1);
        const runs = [];
        for (let r = 0; r < 3; r++) {
          const t0 = performance.now();
          torchlab.sample('', 3000, 1.0, r);
          runs.push(3000 / ((performance.now() - t0) / 1000));
        }
        return runs.sort((a, b) => a - b);
      })()`);
    }
    if (checks.click_generate) {
      await page.eval(`document.getElementById('length').value = 300, document.getElementById('go').click(), 0`);
      out.streamed = await page.eval(`new Promise((resolve) => { const t0 = Date.now(); const poll = () => {
          const status = document.getElementById('status').textContent;
          if (status.startsWith('300 characters') || Date.now() - t0 > 20000) resolve(status); else setTimeout(poll, 50); };
          poll(); })`);
    }
    if (checks.screenshot) {
      await page.eval("torchlab.newGame && torchlab.newGame(), 0");
      out.board_box = await page.eval("torchlab.boardBox ? torchlab.boardBox() : null");
      out.text_box = await page.eval(`(() => { const e = document.getElementById('text'); if (!e) return null;
          const r = e.getBoundingClientRect(); return {x: Math.round(r.x), y: Math.round(r.y),
          width: Math.round(r.width), height: Math.round(r.height)}; })()`);
      out.scene_box = await page.eval(`(() => { const e = document.getElementById('scene'); if (!e) return null;
          const r = e.getBoundingClientRect(); return {x: Math.round(r.x), y: Math.round(r.y),
          width: Math.round(r.width), height: Math.round(r.height)}; })()`);
      await page.screenshot(checks.screenshot);
    }
    out.errors = page.errors;
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
  process.stderr.write(`check_page: ${e.stack || e}\n`);
  process.exit(1);
});
