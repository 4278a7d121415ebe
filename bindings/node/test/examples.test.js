'use strict';
// The Node examples run as documented against a real hotstated and print what the docs
// say they print.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const path = require('node:path');
const { startServer } = require('./helpers/server');

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
