'use strict';
// 'change' events, subscribe() filters, the async iterator, 'status' events, and what
// happens when a callback throws or closes the client.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./helpers/server');
const { liveClient, closeAll } = require('./helpers/client');
const { collect } = require('./helpers/wait');
const { ChangesOverflowError } = require('..');

let server;
let writer;
test.before(async () => {
  server = await startServer();
  writer = await liveClient(server, { collections: ['c', 'other'] });
});
test.after(async () => {
  closeAll();
  await server.stop();
});

test("'change' carries one event per transaction with old and new values", async () => {
  const client = await liveClient(server, { collections: ['c'] });
  await client.waitForRevision(await writer.put('c', 'ev/a', 1));
  const events = collect(2);
  client.on('change', events.push);
  const first = await writer.txn({ ops: [
    { op: 'put', collection: 'c', key: 'ev/a', value: 2 },
    { op: 'put', collection: 'c', key: 'ev/b', value: { x: 'y' } },
  ] });
  const second = await writer.delete('c', 'ev/a');
  const [one, two] = await events.promise;
  client.off('change', events.push);
  assert.equal(one.revision, first);
  assert.equal(one.reset, false);
  assert.deepStrictEqual(one.changes.sort((p, q) => p.key.localeCompare(q.key)), [
    { collection: 'c', key: 'ev/a', oldValue: 1, newValue: 2 },
    { collection: 'c', key: 'ev/b', oldValue: undefined, newValue: { x: 'y' } },
  ]);
  assert.deepStrictEqual(two, { revision: second, reset: false, changes: [{ collection: 'c', key: 'ev/a', oldValue: 2, newValue: undefined }] });
});

test('subscribe filters by collection, prefix and key; everyWrite also reports unchanged values', async () => {
  const client = await liveClient(server, { collections: ['c', 'other'] });
  const seen = { collection: [], prefix: [], key: [], every: [], plain: [] };
  const keysOf = (list) => (batch) => list.push(...batch.changes.map((c) => `${c.collection}/${c.key}`));
  const stops = [
    client.subscribe({ collection: 'other' }, keysOf(seen.collection)),
    client.subscribe({ collection: 'c', prefix: 'f/p' }, keysOf(seen.prefix)),
    client.subscribe({ collection: 'c', key: 'f/k' }, keysOf(seen.key)),
    client.subscribe({ collection: 'c', key: 'f/same', everyWrite: true }, keysOf(seen.every)),
    client.subscribe({ collection: 'c', key: 'f/same' }, keysOf(seen.plain)),
  ];
  // Callbacks run in revision order: once the last write's batch is here, so are the others.
  const end = collect(1);
  stops.push(client.subscribe({ collection: 'c', key: 'f/end' }, end.push));
  for (const [collection, key] of [['other', 'x'], ['c', 'f/p1'], ['c', 'f/k'], ['c', 'f/kk'], ['c', 'f/same'], ['c', 'f/same'], ['c', 'f/p2'], ['other', 'done']])
    await writer.put(collection, key, key === 'f/same' ? 'same' : Math.random());
  await writer.put('c', 'f/end', true);
  await end.promise;
  for (const stop of stops) stop();
  assert.deepStrictEqual(seen.collection, ['other/x', 'other/done']);
  assert.deepStrictEqual(seen.prefix, ['c/f/p1', 'c/f/p2']);
  assert.deepStrictEqual(seen.key, ['c/f/k']);
  assert.deepStrictEqual(seen.every, ['c/f/same', 'c/f/same']);
  assert.deepStrictEqual(seen.plain, ['c/f/same']);
});

test('unsubscribe stops delivery at once, and is idempotent', async () => {
  const client = await liveClient(server, { collections: ['c'] });
  let calls = 0;
  const stop = client.subscribe({ collection: 'c', key: 'unsub' }, () => { calls++; });
  const events = collect(1);
  client.subscribe({ collection: 'c', key: 'unsub' }, events.push);
  await writer.put('c', 'unsub', 1);
  await events.promise;
  assert.equal(calls, 1);
  stop();
  stop();
  const more = collect(1);
  client.subscribe({ collection: 'c', key: 'unsub' }, more.push);
  await writer.put('c', 'unsub', 2);
  await more.promise;
  assert.equal(calls, 1);
});

test('for await over changes(), and break ends the subscription', async () => {
  const client = await liveClient(server, { collections: ['c'] });
  const stream = client.changes({ collection: 'c', prefix: 'it/' });
  const writes = (async () => {
    for (let i = 0; i < 3; i++) await writer.put('c', `it/${i}`, i);
  })();
  const got = [];
  for await (const batch of stream) {
    got.push(...batch.changes.map((c) => c.newValue));
    if (got.length === 3) break;
  }
  await writes;
  assert.deepStrictEqual(got, [0, 1, 2]);
  assert.deepStrictEqual(await stream.next(), { value: undefined, done: true });
});

test('close() ends a pending changes() loop', async () => {
  const client = await liveClient(server, { collections: ['c'] });
  const loop = (async () => {
    const got = [];
    for await (const batch of client.changes()) got.push(batch);
    return got;
  })();
  await new Promise((resolve) => setImmediate(resolve));
  client.close();
  assert.deepStrictEqual(await loop, []);
});

test('a consumer that falls behind the buffer gets the buffered batches, then ChangesOverflowError', async () => {
  const client = await liveClient(server, { collections: ['c'] });
  const stream = client.changes({ collection: 'c', prefix: 'ovf/', bufferSize: 2 });
  const events = collect(4);
  client.subscribe({ collection: 'c', prefix: 'ovf/' }, events.push);
  for (let i = 0; i < 4; i++) await writer.put('c', `ovf/${i}`, i);
  await events.promise; // all four were delivered to JS: the stream's buffer overflowed
  const first = await stream.next();
  const second = await stream.next();
  assert.deepStrictEqual([first.value.changes[0].newValue, second.value.changes[0].newValue], [0, 1]);
  await assert.rejects(stream.next(), (e) => e instanceof ChangesOverflowError && e.code === 'HS_ERR_CHANGES_OVERFLOW');
  assert.deepStrictEqual(await stream.next(), { value: undefined, done: true });
});

test("a throwing callback goes to 'error' listeners; other listeners and the client carry on", async () => {
  const client = await liveClient(server, { collections: ['c'] });
  const errors = collect(2);
  client.on('error', errors.push);
  const good = collect(2);
  client.on('change', () => { throw new Error('listener boom'); });
  client.on('change', good.push);
  client.subscribe({ collection: 'c', key: 'boom' }, () => { throw new Error('subscriber boom'); });
  await writer.put('c', 'boom', 1);
  await writer.put('c', 'boom2', 1);
  await good.promise;
  const messages = (await errors.promise).map((e) => e.message);
  assert.ok(messages.includes('listener boom') && messages.includes('subscriber boom'), messages.join());
  assert.equal(client.status().state, 'live');
});

test('closing the client from inside its own callback', async () => {
  const client = await liveClient(server, { collections: ['c'] });
  const closed = new Promise((resolve) => {
    client.on('change', () => {
      client.close();
      resolve(client.status().state);
    });
  });
  await writer.put('c', 'close-inside', 1);
  assert.equal(await closed, 'closed');
  assert.equal(client.closed, true);
});

test("'status' events report the link state", async () => {
  const { Client } = require('..');
  const client = new Client({ url: server.url, collections: ['c'] });
  const states = [];
  const live = new Promise((resolve) => client.on('status', (s) => {
    states.push(s.state);
    if (s.state === 'live') resolve(s);
  }));
  const status = await live;
  client.close();
  assert.equal(status.source, 'server');
  assert.match(status.epoch, /^[0-9a-f]{16}$/);
  assert.ok(states.includes('live'));
});
