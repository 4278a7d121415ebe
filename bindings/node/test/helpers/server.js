'use strict';
// A real hotstated for the tests, on a free loopback port: HOTSTATED names the binary
// (default: the repository's build/). restart() keeps the port; the server keeps its
// state in memory, so a restart is a new epoch.
const { spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');

const HOTSTATED = path.resolve(process.env.HOTSTATED || path.join(__dirname, '..', '..', '..', '..', 'build', 'apps', 'hotstated', 'hotstated'));
const START_TIMEOUT_MS = 15000;

class Server {
  #process = null;
  #extraArgs;
  port = 0;

  constructor(extraArgs = []) {
    this.#extraArgs = extraArgs;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    const args = ['--listen', `127.0.0.1:${this.port}`, '--log-level', 'warn', '--memory', '--heartbeat-ms', '200', ...this.#extraArgs];
    const child = spawn(HOTSTATED, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    this.#process = child;
    const listening = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${HOTSTATED} did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      child.once('error', (error) => { clearTimeout(timer); reject(error); });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${HOTSTATED} exited with ${code}`)); });
      readline.createInterface({ input: child.stdout }).on('line', (line) => {
        const match = /^listening on [^:]+:(\d+)$/.exec(line);
        if (match) { clearTimeout(timer); resolve(Number(match[1])); }
      });
    });
    this.port = listening;
    return this;
  }

  async stop() {
    const child = this.#process;
    this.#process = null;
    if (!child || child.exitCode !== null) return;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
  }

  // Same port, fresh memory: a new epoch.
  async restart() {
    await this.stop();
    await this.start();
  }
}

// extraArgs: more hotstated flags (e.g. --token NAME=SECRET:SCOPE, --tls-cert FILE --tls-key FILE).
async function startServer(extraArgs = []) {
  return new Server(extraArgs).start();
}

module.exports = { startServer, HOTSTATED };
