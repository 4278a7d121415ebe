'use strict';
// The Node examples run as documented against a real hotstated and print what the docs
// say they print.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFile, spawn } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');
const { startServer } = require('./helpers/server');
const { Client } = require('..');

const EXAMPLES = path.join(__dirname, '..', '..', '..', 'examples', 'node');
const PACKAGE = path.join(__dirname, '..');

let server;
test.before(async () => {
  server = await startServer();
});
test.after(() => server.stop());

test('examples/node/entitlements.js: a plan decides SSO and the seat limit, and a plan change reaches the next check', async () => {
  const output = await new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(EXAMPLES, 'entitlements.js')],
      { env: { ...process.env, HOTSTATE_URL: server.url, HOTSTATE_PACKAGE: PACKAGE }, timeout: 30000 },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)));
  });
  assert.deepStrictEqual(output.trim().split('\n'), [
    'acme on free, 3 seats used: sso no, add a seat no (TARGETING_MATCH)',
    'acme on enterprise: sso yes, add a seat yes (TARGETING_MATCH)',
    'acme on free after the free plan gained SSO and 5 seats: sso yes, add a seat yes (TARGETING_MATCH)',
  ]);
});

test('examples/node/flag_check.js: an HTTP handler evaluates the flag per request and hears it change', async () => {
  const port = await new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
  const child = spawn(process.execPath, [path.join(EXAMPLES, 'flag_check.js'), server.url, String(port)],
    { env: { ...process.env, HOTSTATE_PACKAGE: PACKAGE }, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const printed = (pattern) => new Promise((resolve) => {
    const check = () => { if (pattern.test(output)) { child.stdout.off('data', onData); resolve(); } };
    const onData = (data) => { output += data; check(); };
    child.stdout.on('data', onData);
    check();
  });
  const writer = new Client({ url: server.url, collections: ['flags'] });
  try {
    await printed(/checkout$/m);
    const get = () => fetch(`http://127.0.0.1:${port}/checkout`, { headers: { 'x-user': 'user-42' } }).then((r) => r.text());
    assert.equal(await get(), 'classic checkout\n', 'no flag yet: the default');
    await writer.ready();
    await writer.put('flags', 'checkout-v2', { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' });
    await printed(/checkout-v2 for user-42 is now true \(STATIC\)/);
    assert.equal(await get(), 'new checkout\n');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    assert.equal(await exited, 0, 'Ctrl-C closes the server and the client, and the process exits');
  } finally {
    writer.close();
    child.kill('SIGKILL');
  }
});
