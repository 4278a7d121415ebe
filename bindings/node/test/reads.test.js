'use strict';
// scan() and snapshot(): sorted, prefix-filtered, one revision for many reads.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./helpers/server');
const { liveClient, closeAll } = require('./helpers/client');
const { ClosedError } = require('..');

let server;
let client;
test.before(async () => {
  server = await startServer();
  client = await liveClient(server, { collections: ['scan'] });
  const ops = ['b/2', 'a/1', 'b/1', 'c', 'b/10', 'é'].map((key) => ({ op: 'put', collection: 'scan', key, value: key }));
  await client.waitForRevision(await client.txn({ ops }));
});
test.after(async () => {
  closeAll();
  await server.stop();
});

test('scan lists every record sorted by key (byte order)', () => {
  assert.deepStrictEqual([...client.scan('scan')].map((r) => r.key), ['a/1', 'b/1', 'b/10', 'b/2', 'c', 'é']);
});

test('scan with a prefix', () => {
  const records = [...client.scan('scan', 'b/')];
  assert.deepStrictEqual(records.map((r) => [r.key, r.value, r.collection]), [
    ['b/1', 'b/1', 'scan'], ['b/10', 'b/10', 'scan'], ['b/2', 'b/2', 'scan'],
  ]);
  assert.deepStrictEqual([...client.scan('scan', 'zzz')], []);
});

test('breaking out of a scan is fine, and records outlive their iterator', () => {
  let kept;
  for (const record of client.scan('scan')) {
    kept = record;
    break;
  }
  assert.equal(kept.key, 'a/1');
  assert.equal(kept.value, 'a/1');
});

test('snapshot: every read sees the same revision while the replica moves on', async () => {
  const before = client.status().revision;
  const seen = await client.snapshot(async (reader) => {
    assert.equal(reader.revision, before);
    const revision = await client.put('scan', 'c', 'changed');
    await client.waitForRevision(revision);
    assert.equal(client.get('scan', 'c'), 'changed');
    return {
      value: reader.get('scan', 'c'),
      viewed: reader.view('scan', 'c').value,
      keys: [...reader.scan('scan', 'c')].map((r) => r.value),
      absent: reader.get('scan', 'nope', 'default'),
      revision: reader.revision,
    };
  });
  assert.deepStrictEqual(seen, { value: 'c', viewed: 'c', keys: ['c'], absent: 'default', revision: before });
});

test('snapshot returns what fn returns; the reader ends with it', () => {
  let escaped;
  const count = client.snapshot((reader) => {
    escaped = reader;
    return [...reader.scan('scan')].length;
  });
  assert.equal(count, 6);
  assert.throws(() => escaped.get('scan', 'c'), ClosedError);
  assert.throws(() => client.snapshot('not a function'), TypeError);
});

test('a scan iterator of a snapshot stays usable after the snapshot ended', () => {
  const iterator = client.snapshot((reader) => reader.scan('scan', 'b/'));
  assert.deepStrictEqual([...iterator].map((r) => r.key), ['b/1', 'b/10', 'b/2']);
});
