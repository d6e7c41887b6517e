// A small Chrome DevTools Protocol client over --remote-debugging-pipe (no npm package, no network port): commands go
// to the browser's fd 3 and replies come back on fd 4, each a JSON message ended by a NUL byte.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

function findChromium() {
  for (const dir of (process.env.PATH || '').split(':')) {
    for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
      const p = path.join(dir, name);
      if (fs.existsSync(p)) return p;
    }
  }
  throw new Error('chromium is not installed: run scripts/setup.sh test (Debian package chromium)');
}

class Browser {
  static async launch({ width = 1000, height = 800 } = {}) {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlab-chromium-'));
    const args = ['--headless', '--no-sandbox', '--disable-gpu', '--remote-debugging-pipe', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--mute-audio',
      `--user-data-dir=${profile}`, `--window-size=${width},${height}`, 'about:blank'];
    // Its own process group, so that close() stops the renderer and helper processes too.
    const child = spawn(findChromium(), args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, HOME: profile }, detached: true });
    const browser = new Browser(child, profile);
    child.stderr.on('data', (d) => { browser.stderr += d; });
    return browser;
  }

  constructor(child, profile) {
    this.child = child;
    this.profile = profile;
    this.stderr = '';
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = [];
    let buffer = Buffer.alloc(0);
    child.stdio[4].on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      let end;
      while ((end = buffer.indexOf(0)) >= 0) {
        const message = JSON.parse(buffer.subarray(0, end).toString('utf8'));
        buffer = buffer.subarray(end + 1);
        this.dispatch(message);
      }
    });
    child.on('exit', (code) => {
      for (const { reject } of this.pending.values()) reject(new Error(`chromium exited (${code}): ${this.stderr}`));
      this.pending.clear();
    });
  }

  dispatch(message) {
    if (message.id !== undefined && this.pending.has(message.id)) {
      const { resolve, reject, method } = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) reject(new Error(`${method}: ${message.error.message}`));
      else resolve(message.result);
      return;
    }
    for (const listener of this.listeners) listener(message);
  }

  send(method, params = {}, sessionId = undefined) {
    const id = this.nextId++;
    const message = { id, method, params };
    if (sessionId) message.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.child.stdio[3].write(JSON.stringify(message) + '\0');
    });
  }

  // Opens `url` in a new tab and waits for its load event.
  async open(url) {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const page = new Page(this, sessionId);
    await page.send('Page.enable');
    await page.send('Runtime.enable');
    const loaded = new Promise((resolve) => {
      const listener = (m) => {
        if (m.sessionId === sessionId && m.method === 'Page.loadEventFired') {
          this.listeners = this.listeners.filter((l) => l !== listener);
          resolve();
        }
      };
      this.listeners.push(listener);
    });
    this.listeners.push((m) => {
      if (m.sessionId === sessionId && m.method === 'Runtime.consoleAPICalled') {
        page.console.push(m.params.args.map((a) => a.value ?? a.description).join(' '));
      }
      if (m.sessionId === sessionId && m.method === 'Runtime.exceptionThrown') {
        page.errors.push(m.params.exceptionDetails.exception?.description || m.params.exceptionDetails.text);
      }
    });
    await page.send('Page.navigate', { url });
    await loaded;
    return page;
  }

  async close() {
    try {
      await Promise.race([this.send('Browser.close'), new Promise((r) => setTimeout(r, 3000))]);
    } catch (e) { /* already gone */ }
    const exited = new Promise((resolve) => (this.child.exitCode !== null ? resolve() : this.child.on('exit', resolve)));
    try { process.kill(-this.child.pid, 'SIGKILL'); } catch (e) { /* the group is gone */ }
    await exited;
    // A helper process still exiting can add a file while the profile is removed: retry, and never fail the check
    // over a temporary folder.
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        fs.rmSync(this.profile, { recursive: true, force: true });
        return;
      } catch (e) {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    process.stderr.write(`cdp: could not remove ${this.profile}\n`);
  }
}

class Page {
  constructor(browser, sessionId) {
    this.browser = browser;
    this.sessionId = sessionId;
    this.console = [];
    this.errors = [];
  }

  send(method, params = {}) { return this.browser.send(method, params, this.sessionId); }

  // Evaluates `expression` in the page (awaiting a promise) and returns its value as JSON.
  async eval(expression) {
    const r = await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) {
      throw new Error(`in page: ${r.exceptionDetails.exception?.description || r.exceptionDetails.text}`);
    }
    return r.result.value;
  }

  async screenshot(file) {
    const { data } = await this.send('Page.captureScreenshot', { format: 'png' });
    fs.writeFileSync(file, Buffer.from(data, 'base64'));
  }
}

module.exports = { Browser };
