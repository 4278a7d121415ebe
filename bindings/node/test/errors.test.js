'use strict';
// Bad arguments get a clear TypeError or InvalidArgumentError (never a crash); a closed
// client throws ClosedError on every call.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./helpers/server');
const { liveClient, closeAll } = require('./helpers/client');
const hotstate = require('..');
const { Client, ClosedError, InvalidArgumentError, HotstateError, TimeoutError } = hotstate;

let server;
test.before(async () => {
  server = await startServer();
});
test.after(async () => {
  closeAll();
  await server.stop();
});

test('constructor options are checked', () => {
  const url = 'http://127.0.0.1:1';
  assert.throws(() => new Client(), TypeError);
  assert.throws(() => new Client({ collections: ['t'] }), /url/);
  assert.throws(() => new Client({ url }), /collections/);
  assert.throws(() => new Client({ url, collections: [] }), /at least one/);
  assert.throws(() => new Client({ url, urls: [url], collections: ['t'] }), /not both/);
  assert.throws(() => new Client({ url, collections: ['t'], cachepath: '/tmp/x' }), /unknown Client option 'cachepath'/);
  assert.throws(() => new Client({ url: 7, collections: ['t'] }), TypeError);
  assert.throws(() => new Client({ url, collections: [7] }), TypeError);
  assert.throws(() => new Client({ url, collections: ['t'], staleAfterMs: -1 }), RangeError);
  assert.throws(() => new Client({ url, collections: ['t'], staleAfterMs: 'soon' }), TypeError);
  assert.throws(() => new Client({ url, collections: ['t'], backoff: { initialMs: 0, maxMs: 10 } }), InvalidArgumentError);
  assert.throws(() => new Client({ url, collections: ['t\u0000x'] }), InvalidArgumentError);
});

test('read arguments are checked', async () => {
  const client = await liveClient(server);
  assert.throws(() => client.get(), { name: 'TypeError', message: 'collection must be a string' });
  assert.throws(() => client.get('t'), { name: 'TypeError', message: 'key must be a string' });
  assert.throws(() => client.get(1, 'k'), TypeError);
  assert.throws(() => client.get('t', { key: 1 }), TypeError);
  assert.throws(() => client.get('bad collection!', 'k'), InvalidArgumentError);
  assert.throws(() => client.get('t', ''), InvalidArgumentError);
  assert.throws(() => client.getBool('t'), TypeError);
  assert.throws(() => client.scan(null), TypeError);
  assert.throws(() => client.scan('t', 5), TypeError);
  assert.throws(() => client.subscribe({ collection: 't' }), TypeError);
  assert.throws(() => client.subscribe({ colection: 't' }, () => {}), /unknown change filter/);
  assert.throws(() => client.subscribe({ collection: 5 }, () => {}), TypeError);
  assert.throws(() => client.changes({ bufferSize: 0 }), TypeError);
  await assert.rejects(client.put('t'), TypeError);
  await assert.rejects(client.put('t', 'k', 1, { ifRevision: -1 }), RangeError);
  await assert.rejects(client.put('t', 'k', 1, { ifRevision: 'one' }), TypeError);
  await assert.rejects(client.waitForRevision('one'), TypeError);
  await assert.rejects(client.ready({ timeoutMs: -5 }), RangeError);
});

test('errors carry the code and the library message, and are HotstateErrors', async () => {
  const client = await liveClient(server);
  try {
    client.getBool('t', 'missing-key');
    assert.fail('getBool should throw');
  } catch (error) {
    assert.ok(error instanceof HotstateError && error instanceof Error);
    assert.equal(error.name, 'NotFoundError');
    assert.equal(error.code, 'HS_ERR_NOT_FOUND');
    assert.match(error.message, /missing-key/);
    assert.match(String(error.stack), /NotFoundError/);
  }
});

test('waitForRevision beyond the server rejects with TimeoutError', async () => {
  const client = await liveClient(server);
  await assert.rejects(client.waitForRevision(1e12, { timeoutMs: 50 }), (e) => e instanceof TimeoutError && e.code === 'HS_ERR_TIMEOUT');
});

test('a closed client throws ClosedError on every call; close is idempotent; status says closed', async () => {
  const client = await liveClient(server);
  client.close();
  client.close();
  assert.equal(client.closed, true);
  assert.equal(client.status().state, 'closed');
  const calls = {
    get: () => client.get('t', 'k'),
    view: () => client.view('t', 'k'),
    getBool: () => client.getBool('t', 'k', false),
    getInt: () => client.getInt('t', 'k'),
    getDouble: () => client.getDouble('t', 'k'),
    getString: () => client.getString('t', 'k'),
    scan: () => client.scan('t'),
    snapshot: () => client.snapshot(() => 1),
    subscribe: () => client.subscribe({}, () => {}),
    changes: () => client.changes(),
    on_change: () => client.on('change', () => {}),
    reconnectNow: () => client.reconnectNow(),
  };
  for (const [name, call] of Object.entries(calls))
    assert.throws(call, (e) => e instanceof ClosedError && e.code === 'HS_ERR_CLOSED', name);
  for (const call of [() => client.put('t', 'k', 1), () => client.delete('t', 'k'), () => client.txn({ ops: [] }),
    () => client.ready({ timeoutMs: 100 }), () => client.waitForRevision(1, { timeoutMs: 100 })])
    await assert.rejects(call(), ClosedError);
});

test('the raw classes cannot be forged from JS', () => {
  const native = require('../lib/native');
  assert.throws(() => new native.Record({}), TypeError);
  assert.throws(() => new native.Client({ urls: [], selectors: [] }), TypeError);
});

test('the package reports the library version', () => {
  assert.match(hotstate.version, /^\d+\.\d+\.\d+$/);
  assert.equal(hotstate.abiVersion, 1);
});
