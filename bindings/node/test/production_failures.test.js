'use strict';
// Production failures of similar systems (docs/architecture.md, "Failures designed
// against"), seen from Node. Exit behaviour is in exit.test.js; this file adds
// reconnectNow on a long backoff, reads from inside a change callback, and typed reads
// that never fall back to a default on a wrong type.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./helpers/server');
const { eventually, collect } = require('./helpers/wait');
const { liveClient, closeAll } = require('./helpers/client');
const { TypeMismatchError, NotFoundError } = require('..');

async function metric(server, name) {
  const body = await (await fetch(`${server.url}/metrics`)).text();
  const line = body.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

test.after(() => closeAll());

// Catches a reconnectNow() that sits out the backoff (up to 1 h here; the test waits 10 s) before the new attempt,
// and a reconnect that reloads a snapshot instead of resuming by revision.
test('reconnectNow reconnects at once, even on a long backoff, and resumes without a snapshot', async () => {
  const server = await startServer();
  try {
    const client = await liveClient(server, { collections: ['e2e'], staleAfterMs: 3600000, backoff: { initialMs: 3600000, maxMs: 3600000 } });
    let revision = 0;
    for (let i = 0; i < 20; i++) revision = await client.put('e2e', `k${i}`, i);
    await client.waitForRevision(revision);
    const snapshots = await metric(server, 'hotstate_snapshots_total');
    const connects = client.status().connects;
    const asked = Date.now();
    client.reconnectNow();
    await eventually(() => client.status().connects > connects && client.status().state === 'live', { what: 'a reconnect' });
    console.log(`[figure] node reconnectNow: live again after ${Date.now() - asked} ms (backoff 1 h)`);
    const status = client.status();
    assert.equal(status.connects, connects + 1);
    assert.equal(status.resets, 0);
    assert.equal(await metric(server, 'hotstate_snapshots_total'), snapshots, 'the reconnect must resume, not snapshot');
    assert.ok(await metric(server, 'hotstate_catchups_total') >= 1);
    await client.waitForRevision(await client.put('e2e', 'after', 1));
    assert.equal(client.get('e2e', 'k7'), 7);
    client.close();
  } finally {
    await server.stop();
  }
});

// Catches callbacks fired while a transaction is half applied: the read of the other key
// of the same transaction, from inside the callback, would see the old value.
test('a change callback sees the whole transaction applied, with old and new values', async () => {
  const server = await startServer();
  try {
    const client = await liveClient(server, { collections: ['e2e'] });
    await client.put('e2e', 'price', 10);
    await client.waitForRevision(await client.put('e2e', 'currency', 'EUR'));
    const seen = collect(2);
    const stop = client.subscribe({ collection: 'e2e', key: 'price' }, (batch) => {
      for (const c of batch.changes) seen.push(`${c.oldValue}->${c.newValue} ${client.get('e2e', 'currency')}`);
    });
    await client.txn({ ops: [
      { op: 'put', collection: 'e2e', key: 'price', value: 20 },
      { op: 'put', collection: 'e2e', key: 'currency', value: 'USD' },
    ] });
    await client.put('e2e', 'price', 20); // identical: no callback
    await client.put('e2e', 'price', 30);
    assert.deepStrictEqual(await seen.promise, ['10->20 USD', '20->30 USD']);
    stop();
    client.close();
  } finally {
    await server.stop();
  }
});

// Catches a typed read that returns the caller's default (or a zero value) for a value of
// another type; an absent key is NotFoundError unless a default was passed.
test('typed reads: a wrong type is TypeMismatchError even with a default', async () => {
  const server = await startServer();
  try {
    const client = await liveClient(server, { collections: ['e2e'] });
    await client.txn({ ops: [
      { op: 'put', collection: 'e2e', key: 'b', value: true },
      { op: 'put', collection: 'e2e', key: 'n', value: 3 },
      { op: 'put', collection: 'e2e', key: 's', value: 'text' },
      { op: 'put', collection: 'e2e', key: 'null', value: null },
    ] }).then((r) => client.waitForRevision(r));
    for (const [read, key] of [['getBool', 'n'], ['getInt', 's'], ['getDouble', 's'], ['getString', 'b'], ['getDouble', 'null'], ['getBool', 'null']]) {
      assert.throws(() => client[read]('e2e', key), TypeMismatchError, `${read}(${key})`);
      assert.throws(() => client[read]('e2e', key, 'default'), TypeMismatchError, `${read}(${key}, default)`);
      assert.throws(() => client[read]('e2e', 'absent'), NotFoundError, `${read}(absent)`);
      assert.equal(client[read]('e2e', 'absent', 'given'), 'given');
    }
    client.close();
  } finally {
    await server.stop();
  }
});
