'use strict';
// A real hotstated for the tests, on a free loopback port: HOTSTATED names the binary
// (default: the repository's build/). restart() keeps the port; the server keeps its
// state in memory, so a restart is a new epoch.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const readline = require('node:readline');

const HOTSTATED = path.resolve(process.env.HOTSTATED || path.join(__dirname, '..', '..', '..', '..', 'build', 'apps', 'hotstated', 'hotstated'));
const START_TIMEOUT_MS = 15000;

// A free loopback port below the kernel's ephemeral range, so that restart() gets it back:
// while the server is down no outgoing connection (of this test or one beside it) can take
// it as its source port, which would make the restart fail with "address in use".
async function stablePort() {
  let ephemeralLow = 32768;
  try {
    ephemeralLow = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch { /* not Linux: the usual default */ }
  const low = Math.max(1024, ephemeralLow - 12000), high = Math.max(low + 1, ephemeralLow - 1);
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    const free = await new Promise((resolve) => {
      const probe = net.createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free loopback port below the ephemeral range');
}

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
    if (this.port === 0) this.port = await stablePort();
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

// A server with its port chosen but not started yet: clients can be pointed at it first
// (a replica that cannot load), then start() brings it up on that port.
async function serverNotStarted(extraArgs = []) {
  const server = new Server(extraArgs);
  server.port = await stablePort();
  return server;
}

module.exports = { startServer, serverNotStarted, HOTSTATED };
