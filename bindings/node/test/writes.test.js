'use strict';
// put, delete and txn: promises of the committed revision, conditions, errors.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./helpers/server');
const { liveClient, closeAll } = require('./helpers/client');
const { ConditionFailedError, NotFoundError, InvalidArgumentError, RefusedError } = require('..');

let server;
let client;
test.before(async () => {
  server = await startServer();
  client = await liveClient(server, { collections: ['w'] });
});
test.after(async () => {
  closeAll();
  await server.stop();
});

test('put resolves to the committed revision; the replica reaches it', async () => {
  const first = await client.put('w', 'k', 1);
  const second = await client.put('w', 'k', 2);
  assert.ok(Number.isInteger(first) && second > first);
  await client.waitForRevision(second);
  assert.equal(client.view('w', 'k').modRevision, second);
});

test('conditional put and delete (ifRevision; 0 = only if absent)', async () => {
  const created = await client.put('w', 'cas', 'a', { ifRevision: 0 });
  await assert.rejects(client.put('w', 'cas', 'b', { ifRevision: 0 }), ConditionFailedError);
  await assert.rejects(client.put('w', 'cas', 'b', { ifRevision: created + 1000 }), (e) => e.code === 'HS_ERR_CONDITION_FAILED');
  const updated = await client.put('w', 'cas', 'b', { ifRevision: BigInt(created) });
  await assert.rejects(client.delete('w', 'cas', { ifRevision: created }), ConditionFailedError);
  const deleted = await client.delete('w', 'cas', { ifRevision: updated });
  await client.waitForRevision(deleted);
  assert.equal(client.get('w', 'cas'), undefined);
});

test('delete of an absent key rejects with NotFoundError', async () => {
  await assert.rejects(client.delete('w', 'never-there'), NotFoundError);
});

test('txn applies all ops at one revision, or nothing when a condition fails', async () => {
  const base = await client.put('w', 'txn/a', 'old');
  const revision = await client.txn({
    if: [{ collection: 'w', key: 'txn/a', modRevision: base }],
    ops: [
      { op: 'put', collection: 'w', key: 'txn/a', value: 'new' },
      { op: 'put', collection: 'w', key: 'txn/b', value: { big: 2n ** 62n } },
      { op: 'delete', collection: 'w', key: 'txn/absent' },
    ],
  });
  await client.waitForRevision(revision);
  assert.equal(client.view('w', 'txn/a').modRevision, revision);
  assert.equal(client.view('w', 'txn/b').modRevision, revision);
  assert.deepStrictEqual(client.get('w', 'txn/b'), { big: 2n ** 62n });

  await assert.rejects(client.txn({
    if: [{ collection: 'w', key: 'txn/a', modRevision: base }],
    ops: [{ op: 'put', collection: 'w', key: 'txn/c', value: 1 }],
  }), ConditionFailedError);
  assert.equal(client.get('w', 'txn/c'), undefined);
});

test('txn shapes the binding can check itself are TypeErrors', async () => {
  await assert.rejects(client.txn({}), TypeError);
  await assert.rejects(client.txn({ ops: [{ op: 'upsert', collection: 'w', key: 'x' }] }), TypeError);
  await assert.rejects(client.txn({ ops: [{ op: 'put', collection: 'w', key: 'x' }] }), TypeError);
  await assert.rejects(client.txn({ if: [{ collection: 'w', key: 'x' }], ops: [] }), TypeError);
});

test('the server refuses what it refuses, with its message', async () => {
  await assert.rejects(client.put('bad collection!', 'k', 1), InvalidArgumentError);
  await assert.rejects(client.put('w', '', 1), InvalidArgumentError);
  await assert.rejects(client.txn({ ops: [
    { op: 'put', collection: 'w', key: 'dup', value: 1 },
    { op: 'put', collection: 'w', key: 'dup', value: 2 },
  ] }), (e) => (e instanceof InvalidArgumentError || e instanceof RefusedError) && /dup/i.test(e.message));
});

test('concurrent writes: every one commits at its own revision and the replica converges', async () => {
  const writes = Array.from({ length: 40 }, (_, i) => client.put('w', `concurrent/${i % 8}`, { i }));
  const revisions = await Promise.all(writes);
  assert.equal(new Set(revisions).size, revisions.length);
  await client.waitForRevision(Math.max(...revisions));
  const byKey = new Map();
  revisions.forEach((revision, i) => {
    const key = `concurrent/${i % 8}`;
    if (!byKey.has(key) || byKey.get(key).revision < revision) byKey.set(key, { revision, i });
  });
  for (const [key, { revision, i }] of byKey) {
    assert.equal(client.view('w', key).modRevision, revision);
    assert.deepStrictEqual(client.get('w', key), { i });
  }
});

test('writes run off the event loop: the loop turns while one is in flight', async () => {
  let turned = false;
  setImmediate(() => { turned = true; });
  // A write done synchronously would resolve before the loop could run the immediate.
  await client.put('w', 'loop', 1);
  assert.equal(turned, true);
});
