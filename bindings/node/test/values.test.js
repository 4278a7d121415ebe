'use strict';
// Every JSON type both ways: written from JS, read back as plain JS values, as JSON text
// and as FlexBuffers bytes.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./helpers/server');
const { liveClient, closeAll, putAndWait } = require('./helpers/client');
const { TypeMismatchError, NotFoundError } = require('..');

let server;
let client;
test.before(async () => {
  server = await startServer();
  client = await liveClient(server);
});
test.after(async () => {
  closeAll();
  await server.stop();
});

const roundTrips = {
  'null': null,
  'true': true,
  'false': false,
  'zero': 0,
  'negative int': -42,
  'max safe int': Number.MAX_SAFE_INTEGER,
  'min safe int': Number.MIN_SAFE_INTEGER,
  'float 0.1': 0.1,
  'float -2.5e-300': -2.5e-300,
  'empty string': '',
  'unicode string': 'héllo wörld ✓ 日本語 😀',
  'control characters': 'tab\tnew\nline "quoted" \\ \u0001',
  'empty array': [],
  'empty object': {},
  'array of everything': [1, 'two', true, null, 3.5, [], {}, [[[]]]],
  'nested object': { a: { b: { c: [1, { d: 'deep' }] } }, 'ключ': 'значение', '': 'empty name' },
  'object named __proto__': JSON.parse('{"__proto__": {"polluted": true}, "x": 1}'),
};

for (const [name, value] of Object.entries(roundTrips)) {
  test(`round trip: ${name}`, async () => {
    await putAndWait(client, [client], 't', `value/${name}`, value);
    const read = client.get('t', `value/${name}`);
    assert.deepStrictEqual(read, value);
    assert.deepStrictEqual(JSON.parse(client.view('t', `value/${name}`).json), value);
  });
}

test('a value read with __proto__ has it as an own property, not as its prototype', async () => {
  await putAndWait(client, [client], 't', 'proto', JSON.parse('{"__proto__": {"polluted": true}}'));
  const read = client.get('t', 'proto');
  assert.equal(Object.getPrototypeOf(read), Object.prototype);
  assert.ok(Object.hasOwn(read, '__proto__'));
  assert.equal({}.polluted, undefined);
});

test('integers beyond 2^53 come back as BigInt, exactly; smaller ones as Number', async () => {
  const big = { max: 2n ** 63n - 1n, min: -(2n ** 63n), umax: 2n ** 64n - 1n, above: 2n ** 53n, small: 7n };
  await putAndWait(client, [client], 't', 'bigints', big);
  assert.deepStrictEqual(client.get('t', 'bigints'), { ...big, small: 7 });
  assert.equal(client.view('t', 'bigints').json,
    '{"above":9007199254740992,"max":9223372036854775807,"min":-9223372036854775808,"small":7,"umax":18446744073709551615}');
  assert.equal(client.getInt('t', 'bigints/none', 0n), 0n);
});

test('floats stay floats in the stored JSON: 1.5 and 1e300; integral Numbers are written as integers', async () => {
  await putAndWait(client, [client], 't', 'floats', { a: 1.5, b: 1e300, c: 1.0 });
  assert.equal(client.view('t', 'floats').json, '{"a":1.5,"b":1e+300,"c":1}');
  assert.deepStrictEqual(client.get('t', 'floats'), { a: 1.5, b: 1e300, c: 1 });
});

test('a value written as JSON text elsewhere (1.0) reads as the Number 1, and its .json keeps 1.0', async () => {
  const revision = await client.txn({ ops: [{ op: 'put', collection: 't', key: 'one-point-zero', value: 1.5 }] });
  await client.waitForRevision(revision);
  // The HTTP API keeps 1.0 a float; write it there to get a stored double of integral value.
  const response = await fetch(`${server.url}/v1/c/t/one-point-zero`, { method: 'PUT', body: '1.0' });
  const { revision: second } = await response.json();
  await client.waitForRevision(second);
  assert.equal(client.get('t', 'one-point-zero'), 1);
  assert.equal(client.view('t', 'one-point-zero').json, '1.0');
  assert.equal(client.getDouble('t', 'one-point-zero'), 1);
  assert.throws(() => client.getInt('t', 'one-point-zero'), TypeMismatchError);
});

test('get returns a fresh object each time', async () => {
  await putAndWait(client, [client], 't', 'fresh', { list: [1] });
  const first = client.get('t', 'fresh');
  first.list.push(2);
  assert.deepStrictEqual(client.get('t', 'fresh'), { list: [1] });
  assert.notEqual(client.get('t', 'fresh'), client.get('t', 'fresh'));
});

test('unicode keys and a key with a slash, percent and NUL', async () => {
  for (const key of ['ключ/日本/😀', 'a/b%2Fc', 'nul\u0000inside']) {
    await putAndWait(client, [client], 't', key, key);
    assert.equal(client.get('t', key), key);
    assert.equal(client.view('t', key).key, key);
  }
});

test('get: undefined or the default when absent', () => {
  assert.equal(client.get('t', 'absent'), undefined);
  assert.equal(client.get('t', 'absent', 'fallback'), 'fallback');
  assert.equal(client.view('t', 'absent'), undefined);
});

test('view: key, collection, revisions, json and raw bytes', async () => {
  const created = await putAndWait(client, [client], 't', 'viewed', { n: 1 });
  const updated = await putAndWait(client, [client], 't', 'viewed', { n: 2 });
  const record = client.view('t', 'viewed');
  assert.equal(record.collection, 't');
  assert.equal(record.key, 'viewed');
  assert.deepStrictEqual(record.value, { n: 2 });
  assert.equal(record.json, '{"n":2}');
  assert.equal(record.createRevision, created);
  assert.equal(record.modRevision, updated);
  assert.equal(record.version, 2);
  assert.ok(Buffer.isBuffer(record.raw));
  assert.ok(record.raw.length > 0);
});

test('raw bytes stay valid after the record changes and are the same bytes put back with FlexBuffers', async () => {
  await putAndWait(client, [client], 't', 'raw', 'first');
  const raw = client.view('t', 'raw').raw;
  const copy = Buffer.from(raw);
  await putAndWait(client, [client], 't', 'raw', 'second value, longer');
  global.gc?.();
  assert.deepStrictEqual(Buffer.from(raw), copy);
  assert.ok(copy.includes(Buffer.from('first')));
});

test('typed reads: value, default, NotFound and TypeMismatch', async () => {
  await client.txn({
    ops: [
      { op: 'put', collection: 't', key: 'typed/bool', value: true },
      { op: 'put', collection: 't', key: 'typed/int', value: -12 },
      { op: 'put', collection: 't', key: 'typed/double', value: 2.5 },
      { op: 'put', collection: 't', key: 'typed/string', value: 'text' },
    ],
  }).then((revision) => client.waitForRevision(revision));
  assert.equal(client.getBool('t', 'typed/bool'), true);
  assert.equal(client.getInt('t', 'typed/int'), -12);
  assert.equal(client.getDouble('t', 'typed/double'), 2.5);
  assert.equal(client.getDouble('t', 'typed/int'), -12);
  assert.equal(client.getString('t', 'typed/string'), 'text');
  assert.equal(client.getBool('t', 'typed/absent', false), false);
  assert.equal(client.getString('t', 'typed/absent', null), null);
  assert.throws(() => client.getBool('t', 'typed/absent'), (e) => e instanceof NotFoundError && e.code === 'HS_ERR_NOT_FOUND' && /typed\/absent/.test(e.message));
  assert.throws(() => client.getBool('t', 'typed/string'), (e) => e instanceof TypeMismatchError && e.code === 'HS_ERR_TYPE_MISMATCH');
  assert.throws(() => client.getInt('t', 'typed/double'), TypeMismatchError);
  assert.throws(() => client.getString('t', 'typed/bool', 'default'), TypeMismatchError);
});

test('values JSON cannot hold are refused before anything is sent', async () => {
  const cyclic = {};
  cyclic.self = cyclic;
  for (const bad of [undefined, NaN, Infinity, () => 1, Symbol('s'), [undefined], cyclic, new Map(), 2n ** 64n, -(2n ** 63n) - 1n]) {
    await assert.rejects(client.put('t', 'bad', bad), (e) => e instanceof TypeError || e instanceof RangeError);
  }
  assert.equal(client.get('t', 'bad'), undefined);
});

test('undefined object members are left out, as JSON.stringify does; toJSON is honoured', async () => {
  const when = new Date(Date.UTC(2024, 0, 2));
  await putAndWait(client, [client], 't', 'stringify', { keep: 1, drop: undefined, when });
  assert.deepStrictEqual(client.get('t', 'stringify'), { keep: 1, when: '2024-01-02T00:00:00.000Z' });
});
