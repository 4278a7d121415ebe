'use strict';
// TLS: a client reads and writes over https:// with caFile; a wrong CA never gets live.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./helpers/server');
const { makeTestPki } = require('./helpers/pki');
const { eventually } = require('./helpers/wait');
const { Client, TimeoutError, UnavailableError, InvalidArgumentError } = require('..');

const fast = { backoff: { initialMs: 20, maxMs: 200 } };
let pki;
let server;

test.before(async () => {
  pki = makeTestPki();
  server = await startServer(pki.serverFlags());
});

test.after(async () => {
  await server.stop();
  pki.remove();
});

test('reads and writes over https:// with caFile', async () => {
  const reader = new Client({ url: `https://127.0.0.1:${server.port}`, collections: ['tls'], caFile: pki.path('ca.pem'), ...fast });
  const writer = new Client({ url: `wss://localhost:${server.port}`, collections: ['tls'], caFile: pki.path('ca.pem'), ...fast });
  try {
    await reader.ready();
    await writer.ready();
    const revision = await writer.put('tls', 'dark-mode', { on: true });
    await reader.waitForRevision(revision);
    assert.deepEqual(reader.get('tls', 'dark-mode'), { on: true });
    assert.equal(reader.status().state, 'live');
    await reader.waitForRevision(await reader.delete('tls', 'dark-mode'));
    assert.equal(reader.get('tls', 'dark-mode'), undefined);
  } finally {
    reader.close();
    writer.close();
  }
});

test('a wrong CA is never live, says why, and refuses writes', async () => {
  const client = new Client({ url: `https://127.0.0.1:${server.port}`, collections: ['tls'], caFile: pki.path('other-ca.pem'), ...fast });
  try {
    await assert.rejects(client.ready({ timeoutMs: 1000 }), TimeoutError);
    await eventually(() => client.status().lastError.includes('TLS: certificate verify failed for 127.0.0.1'),
      { what: 'the verification failure in lastError' });
    assert.notEqual(client.status().state, 'live');
    await assert.rejects(client.put('tls', 'k', 1), (error) => error instanceof UnavailableError &&
      error.message.includes('certificate verify failed'));
  } finally {
    client.close();
  }
});

test('an unreadable caFile is refused when the client is made', () => {
  assert.throws(() => new Client({ url: 'https://127.0.0.1:1', collections: ['tls'], caFile: '/nonexistent/ca.pem' }),
    (error) => error instanceof InvalidArgumentError && error.message.includes('/nonexistent/ca.pem'));
});
