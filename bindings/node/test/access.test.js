'use strict';
// API tokens (docs/security.md): the client sends its token on the stream and on writes;
// a token the server refuses, or a scope that does not cover a collection, shows up as
// PermissionDeniedError on writes and as lastError in status() for the stream.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./helpers/server');
const { eventually } = require('./helpers/wait');
const { Client, PermissionDeniedError, HotstateError } = require('..');

const READER = 'reader-0123456789abcdef0123456789';
const WRITER = 'writer-0123456789abcdef0123456789';
let server;
const clients = [];
function open(options) {
  const client = new Client({ url: server.url, backoff: { initialMs: 20, maxMs: 200 }, ...options });
  clients.push(client);
  return client;
}

test.before(async () => {
  server = await startServer(['--token', `web=${READER}:read@flags`, '--token', `deploy=${WRITER}:read+write@flags`]);
});
test.after(async () => {
  for (const c of clients) c.close();
  await server.stop();
});

test('a client with a token reads and writes within its scope', async () => {
  const client = open({ collections: ['flags'], token: WRITER });
  await client.ready({ timeoutMs: 10000 });
  const revision = await client.put('flags', 'beta', { on: true });
  await client.waitForRevision(revision, { timeoutMs: 10000 });
  assert.deepEqual(client.get('flags', 'beta'), { on: true });
});

test('a write beyond the scope is PermissionDeniedError', async () => {
  const reader = open({ collections: ['flags'], token: READER });
  await reader.ready({ timeoutMs: 10000 });
  await assert.rejects(reader.put('flags', 'beta', false), (e) => {
    assert.ok(e instanceof PermissionDeniedError && e instanceof HotstateError);
    assert.equal(e.code, 'HS_ERR_PERMISSION_DENIED');
    assert.match(e.message, /token "web" may not write collection "flags"/);
    return true;
  });
  const anonymous = open({ collections: ['flags'] });
  await assert.rejects(anonymous.put('flags', 'x', 1), PermissionDeniedError);
});

test('a refused stream says why in status()', async () => {
  const anonymous = open({ collections: ['flags'] });
  await eventually(() => /unauthorized/.test(anonymous.status().lastError), { what: 'unauthorized in lastError' });
  assert.notEqual(anonymous.status().state, 'live');
  const beyond = open({ collections: ['billing'], token: READER });
  await eventually(() => /forbidden: token "web" may not read collection "billing"/.test(beyond.status().lastError), { what: 'forbidden in lastError' });
});
