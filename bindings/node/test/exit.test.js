'use strict';
// A client never keeps the process alive: a script that closes its client exits at once,
// one that forgets to close exits by itself too, also with listeners and subscriptions.
// Each case runs in a child process with a time bound.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const { startServer } = require('./helpers/server');

const PACKAGE = path.join(__dirname, '..');
const BOUND_MS = 20000; // only turns a hang into a failure; the scripts exit far sooner

let server;
test.before(async () => {
  server = await startServer();
});
test.after(() => server.stop());

function runScript(body) {
  const script = `
    const { Client } = require(${JSON.stringify(PACKAGE)});
    const url = ${JSON.stringify(server.url)};
    (async () => { ${body} })().catch((e) => { console.error(e); process.exit(3); });
  `;
  return new Promise((resolve, reject) => {
    // From the package's folder, so `require('hotstate/openfeature')` names it as users do.
    const child = spawn(process.execPath, ['-e', script], { cwd: PACKAGE, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the script did not exit by itself within ${BOUND_MS} ms:\n${output}`));
    }, BOUND_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

test('a script that closes its client exits', async () => {
  const { code, output } = await runScript(`
    const client = new Client({ url, collections: ['exit'] });
    await client.ready();
    client.on('change', () => {});
    client.on('status', () => {});
    await client.put('exit', 'k', 1);
    client.close();
    console.log('done');
  `);
  assert.equal(code, 0, output);
  assert.match(output, /done/);
});

test('a script that forgets to close its client still exits, with listeners and iterators open', async () => {
  const { code, output } = await runScript(`
    const client = new Client({ url, collections: ['exit'] });
    await client.ready();
    client.on('change', () => {});
    client.on('status', () => {});
    client.subscribe({ collection: 'exit' }, () => {});
    const stream = client.changes();
    stream.next();
    await client.waitForRevision(await client.put('exit', 'k', 2));
    console.log('value', client.get('exit', 'k'));
  `);
  assert.equal(code, 0, output);
  assert.match(output, /value 2/);
});

test('flag listeners and EvalContexts left open do not keep a script alive', async () => {
  const { code, output } = await runScript(`
    const { EvalContext } = require(${JSON.stringify(PACKAGE)});
    const client = new Client({ url, flagCollections: ['exit-flags'] });
    await client.ready();
    const user = new EvalContext({ targetingKey: 'u1' });
    client.onFlagChange('exit-flags', 'f', user, () => {});
    client.onFlagChange('exit-flags', 'f', { targetingKey: 'u2' }, () => {});
    await client.waitForRevision(await client.put('exit-flags', 'f',
      { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' }));
    console.log('flag', client.evaluateBool('exit-flags', 'f', false, user));
  `);
  assert.equal(code, 0, output);
  assert.match(output, /flag true/);
});

test('a script whose OpenFeature provider is never closed exits', async () => {
  const { code, output } = await runScript(`
    const { OpenFeature, ProviderEvents } = require('@openfeature/server-sdk');
    const { HotstateProvider } = require('hotstate/openfeature');
    OpenFeature.addHandler(ProviderEvents.ConfigurationChanged, () => {});
    const provider = new HotstateProvider({ url, collection: 'exit-flags' });
    await OpenFeature.setProviderAndWait(provider);
    await provider.client.waitForRevision(await provider.client.put('exit-flags', 'g',
      { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' }));
    console.log('value', await OpenFeature.getClient().getBooleanValue('g', false));
  `);
  assert.equal(code, 0, output);
  assert.match(output, /value true/);
});

test('a script whose client never reached a server exits', async () => {
  const { code, output } = await runScript(`
    const client = new Client({ url: 'http://127.0.0.1:1', collections: ['exit'] });
    client.on('status', () => {});
    console.log('state', client.status().state);
  `);
  assert.equal(code, 0, output);
  assert.match(output, /state/);
});

test('a throwing callback without error listeners is reported on stderr, and the process lives on', async () => {
  const { code, output } = await runScript(`
    const client = new Client({ url, collections: ['exit'] });
    await client.ready();
    let after = 0;
    const twice = new Promise((resolve) => client.subscribe({ collection: 'exit', key: 'boom' }, () => {
      if (++after === 2) resolve();
      throw new Error('boom from callback');
    }));
    // Waiting for change events alone does not keep a process alive (the client never
    // does): hold the loop open until the second callback ran.
    const keep = setInterval(() => {}, 1 << 30);
    await client.put('exit', 'boom', 1);
    await client.put('exit', 'boom', 2);
    await twice;
    clearInterval(keep);
    console.log('alive', client.status().state);
    client.close();
  `);
  assert.equal(code, 0, output);
  assert.match(output, /boom from callback/);
  assert.match(output, /alive live/);
});

test('worker threads each load the addon and run their own client', async () => {
  const { code, output } = await runScript(`
    const { Worker } = require('node:worker_threads');
    const source = \`
      const { parentPort } = require('node:worker_threads');
      const { Client } = require(\${JSON.stringify(${JSON.stringify(PACKAGE)})});
      (async () => {
        const client = new Client({ url: \${JSON.stringify(url)}, collections: ['exit'] });
        await client.ready();
        await client.waitForRevision(await client.put('exit', 'worker', 'hi'));
        parentPort.postMessage(client.get('exit', 'worker'));
        client.close();
      })();
    \`;
    const results = await Promise.all([1, 2].map(() => new Promise((resolve, reject) => {
      const worker = new Worker(source, { eval: true });
      worker.once('message', resolve);
      worker.once('error', reject);
    })));
    console.log('workers', results.join(','));
  `);
  assert.equal(code, 0, output);
  assert.match(output, /workers hi,hi/);
});
