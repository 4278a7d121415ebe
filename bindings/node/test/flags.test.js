'use strict';
// Flags evaluated locally (docs/flags.md) through the Node package, against a real
// hotstated: values and details with OpenFeature's reasons and error codes, the default on
// every failure, contexts (plain objects and EvalContext) and the ones refused, the
// `record` operator, flag listeners, broken flags, freshness in the reason, and a closed
// client.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer } = require('./helpers/server');
const { liveClient, closeAll } = require('./helpers/client');
const { collect, eventually } = require('./helpers/wait');
const { FLAGS, PLANS, probe, putAll } = require('./helpers/flags');
const { Client, EvalContext, ClosedError } = require('..');

let server;
let writer;
let client; // flagCollections: ['flags'], collections: ['plans', 'marker']
test.before(async () => {
  server = await startServer();
  writer = await liveClient(server, { collections: ['flags', 'plans', 'marker'] });
  await putAll(writer, 'plans', PLANS);
  await writer.waitForRevision(await putAll(writer, 'flags', FLAGS));
  client = await liveClient(server, { collections: ['plans', 'marker'], flagCollections: ['flags'] });
  await client.waitForRevision(writer.status().revision);
});
test.after(async () => {
  closeAll();
  await server.stop();
});

// A write whose effects every client has seen, for tests that change flags.
async function write(collection, key, value) {
  const revision = await writer.put(collection, key, value);
  await client.waitForRevision(revision);
  return revision;
}

const ann = { targetingKey: 'ann', email: 'ann@example.com', plan: 'pro' };

test('a flag collection needs no collections entry, and the options are checked', async () => {
  const onlyFlags = await liveClient(server, { flagCollections: ['flags'] });
  assert.equal(onlyFlags.evaluateString('flags', 'banner', 'none'), '#f00');
  const single = await liveClient(server, { flagCollections: 'flags', collections: [] });
  assert.equal(single.evaluateNumber('flags', 'max-items', 1, ann), 100);
  assert.throws(() => new Client({ url: server.url, flagCollections: [42] }), TypeError);
  assert.throws(() => new Client({ url: server.url, flagCollections: { flags: true } }), TypeError);
  assert.throws(() => new Client({ url: server.url }), /collections, options.selectors or options.flagCollections/);
});

test('details carry the value, variant, reason and metadata: STATIC, TARGETING_MATCH, DEFAULT', () => {
  assert.deepStrictEqual(client.evaluate('flags', 'banner'), {
    value: '#f00', variant: 'red', reason: 'STATIC', errorCode: undefined, errorMessage: undefined,
    flagMetadata: { owner: 'web', version: 3, public: true },
  });
  assert.deepStrictEqual(client.evaluate('flags', 'new-checkout', ann, { type: 'boolean', defaultValue: false }), {
    value: true, variant: 'on', reason: 'TARGETING_MATCH', errorCode: undefined, errorMessage: undefined, flagMetadata: {},
  });
  const bob = { targetingKey: 'bob', email: 'bob@other.org' };
  const fallthrough = client.evaluate('flags', 'new-checkout', bob, { type: 'boolean', defaultValue: true });
  assert.equal(fallthrough.value, false, 'null from the rule: the default variant');
  assert.equal(fallthrough.variant, 'off');
  assert.equal(fallthrough.reason, 'DEFAULT');
  // A fractional rollout's pick is a SPLIT; without a targeting key it cannot bucket.
  const rollout = client.evaluate('flags', 'rollout', { targetingKey: 'user-1' });
  assert.ok(['new', 'old'].includes(rollout.value), rollout.value);
  assert.equal(rollout.reason, 'SPLIT');
  assert.equal(rollout.variant, rollout.value);
  const keyless = client.evaluate('flags', 'rollout', { email: 'a@b.c' }, { defaultValue: 'none' });
  assert.equal(keyless.value, 'none');
  assert.equal(keyless.reason, 'ERROR');
  assert.equal(keyless.errorCode, 'TARGETING_KEY_MISSING');
});

test('typed evaluations return the value, and the default whenever the flag cannot give one', () => {
  assert.equal(client.evaluateBool('flags', 'new-checkout', false, ann), true);
  assert.equal(client.evaluateBool('flags', 'new-checkout', true, { email: 'bob@other.org' }), false);
  assert.equal(client.evaluateString('flags', 'banner', 'none'), '#f00');
  assert.equal(client.evaluateNumber('flags', 'max-items', 1, ann), 100);
  assert.equal(client.evaluateNumber('flags', 'max-items', 1, { plan: 'odd' }), 2.5);
  assert.equal(client.evaluateNumber('flags', 'max-items', 1), 10);
  // Each failure gives the caller's default, never a throw.
  assert.equal(client.evaluateBool('flags', 'no-such-flag', true), true);
  assert.equal(client.evaluateBool('flags', 'kill-switch', false), false, 'disabled: the default, not the variant');
  assert.equal(client.evaluateString('flags', 'new-checkout', 'fallback', ann), 'fallback', 'a bool flag read as a string');
  assert.equal(client.evaluateNumber('flags', 'banner', 7), 7);
  assert.equal(client.evaluateBool('flags', 'max-items', true), true);
  assert.deepStrictEqual(client.evaluateObject('flags', 'kill-switch', { off: 1 }), { off: 1 });
  assert.equal(client.evaluateBool('plans', 'free', true), true, 'not a flag collection');
  assert.equal(client.evaluateBool('flags', 'no-default', true, { plan: 'free' }), true, 'no default variant: the caller\'s');
  assert.equal(client.evaluateBool('flags', 'no-default', false, { plan: 'pro' }), true);
});

test('object flags give objects, fresh on each call', () => {
  const light = client.evaluateObject('flags', 'theme', {});
  assert.deepStrictEqual(light, { bg: 'white', sizes: [1, 2] });
  light.bg = 'changed';
  assert.deepStrictEqual(client.evaluateObject('flags', 'theme', {}), { bg: 'white', sizes: [1, 2] });
  assert.deepStrictEqual(client.evaluateObject('flags', 'theme', {}, { theme: 'dark' }), { bg: 'black', sizes: [], extra: null });
  assert.deepStrictEqual(client.evaluate('flags', 'theme', { theme: 'dark' }, { type: 'object', defaultValue: {} }).value,
    { bg: 'black', sizes: [], extra: null });
  // A flag of strings is no object flag: the default, TYPE_MISMATCH.
  assert.deepStrictEqual(client.evaluateObject('flags', 'banner', { d: 1 }), { d: 1 });
  assert.equal(client.evaluate('flags', 'banner', undefined, { type: 'object', defaultValue: {} }).errorCode, 'TYPE_MISMATCH');
});

test('error codes: each with reason ERROR, a message and the default', async () => {
  const failure = (details, errorCode, value, message) => {
    assert.equal(details.errorCode, errorCode, JSON.stringify(details));
    assert.equal(details.reason, 'ERROR');
    assert.deepStrictEqual(details.value, value);
    assert.equal(details.variant, undefined);
    assert.match(details.errorMessage, message);
  };
  failure(client.evaluate('flags', 'no-such-flag', ann, { type: 'boolean', defaultValue: true }), 'FLAG_NOT_FOUND', true, /no-such-flag/);
  failure(client.evaluate('flags', 'new-checkout', ann, { type: 'string', defaultValue: 'x' }), 'TYPE_MISMATCH', 'x', /./);
  failure(client.evaluate('flags', 'max-items', ann, { type: 'boolean', defaultValue: false }), 'TYPE_MISMATCH', false, /./);
  failure(client.evaluate('flags', 'banner', ann, { type: 'number', defaultValue: 1 }), 'TYPE_MISMATCH', 1, /./);
  failure(client.evaluate('plans', 'free', ann, { type: 'boolean', defaultValue: false }), 'GENERAL', false, /flag_collections/);
  // Without a type and a default: undefined is the value.
  failure(client.evaluate('flags', 'no-such-flag'), 'FLAG_NOT_FOUND', undefined, /no-such-flag/);

  await write('flags', 'broken', { state: 'ENABLED', variants: { a: 1 }, defaultVariant: 'a', targeting: { no_such_operator: [1, 2] } });
  failure(client.evaluate('flags', 'broken', ann, { type: 'number', defaultValue: 42 }), 'PARSE_ERROR', 42, /no_such_operator/);
  assert.equal(client.evaluateNumber('flags', 'broken', 42), 42);
  await writer.delete('flags', 'broken').then((revision) => client.waitForRevision(revision));

  const nobody = new Client({ url: 'http://127.0.0.1:1', flagCollections: ['flags'] });
  try {
    failure(nobody.evaluate('flags', 'banner', undefined, { type: 'string', defaultValue: 'd' }), 'PROVIDER_NOT_READY', 'd', /no state/);
    assert.equal(nobody.evaluateString('flags', 'banner', 'd'), 'd');
  } finally {
    nobody.close();
  }
});

test('a disabled flag: reason DISABLED, no error, the default', () => {
  const details = client.evaluate('flags', 'kill-switch', ann, { type: 'boolean', defaultValue: false });
  assert.equal(details.reason, 'DISABLED');
  assert.equal(details.errorCode, undefined);
  assert.equal(details.value, false);
});

test('the record operator: entitlements and limits follow the plans records', async () => {
  const free = { account: { plan: 'free', seats: 3 } };
  const enterprise = new EvalContext({ account: { plan: 'enterprise', seats: 3 } });
  assert.equal(client.evaluateBool('flags', 'sso', true, free), false);
  assert.equal(client.evaluateBool('flags', 'sso', false, enterprise), true);
  assert.equal(client.evaluateBool('flags', 'add-seat', true, free), false, '3 of 3 seats used');
  assert.equal(client.evaluateBool('flags', 'add-seat', false, enterprise), true);
  await write('plans', 'free', { features: { sso: true }, limits: { seats: 5 } });
  assert.equal(client.evaluateBool('flags', 'sso', false, free), true, 'the plan changed: the next evaluation sees it');
  assert.equal(client.evaluateBool('flags', 'add-seat', false, free), true);
  const gold = client.evaluate('flags', 'sso', { account: { plan: 'gold' } }, { type: 'boolean', defaultValue: true });
  assert.equal(gold.value, false, 'no such plan: the rule\'s else branch');
  assert.equal(gold.errorCode, undefined);
  await write('plans', 'free', PLANS.free);
  enterprise.close();
});

test('a fractional rollout is stable per targeting key, the same from an object or an EvalContext', () => {
  const seen = { new: 0, old: 0 };
  for (let i = 0; i < 400; i++) {
    const attributes = { targetingKey: `user-${i}`, email: `u${i}@other.org`, country: 'de', age: 30 };
    const value = client.evaluateString('flags', 'rollout', '?', attributes);
    const prebuilt = new EvalContext(attributes);
    assert.equal(client.evaluateString('flags', 'rollout', '?', prebuilt), value);
    assert.equal(client.evaluateString('flags', 'rollout', '?', attributes), value);
    prebuilt.close();
    seen[value]++;
  }
  assert.ok(seen.new > 100 && seen.old > 100, JSON.stringify(seen));
  const staff = { targetingKey: 'x', email: 'x@example.com', country: 'fr', age: 40 };
  assert.equal(client.evaluateString('flags', 'rollout', '?', staff), 'staff', 'all three clauses hold');
  assert.notEqual(client.evaluateString('flags', 'rollout', '?', { ...staff, age: 17 }), 'staff');
});

test('plain-object contexts convert strings, numbers, booleans, null, nested objects, arrays and Dates', async () => {
  const probes = {
    'p-string': probe('s', 'text'), 'p-int': probe('n', 3), 'p-float': probe('f', 2.5), 'p-big': probe('big', 1e300),
    'p-bool': probe('b', true), 'p-null': probe('z', null), 'p-nested': probe('o.p.q', 'deep'),
    'p-array': probe('arr.1', 'two'), 'p-nested-array': probe('o.list.0.k', -1), 'p-date': probe('when', '2024-01-02T03:04:05.000Z'),
    'p-key': probe('targetingKey', 'tk'), 'p-unicode': probe('u', 'é\u0000"\\\n'), 'p-numeric-name': probe('7', 'seven'),
    'p-absent': probe('gone', null),
  };
  await writer.waitForRevision(await putAll(writer, 'flags', probes));
  await client.waitForRevision(writer.status().revision);
  const context = {
    targetingKey: 'tk', s: 'text', n: 3, f: 2.5, big: 1e300, b: true, z: null, gone: undefined,
    o: { p: { q: 'deep' }, list: [{ k: -1 }], skipped: undefined }, arr: ['one', 'two'],
    when: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), u: 'é\u0000"\\\n', 7: 'seven',
  };
  const prebuilt = new EvalContext(context);
  for (const key of Object.keys(probes)) {
    if (key === 'p-absent') continue;
    assert.equal(client.evaluate('flags', key, context).value, true, `${key} from a plain object`);
    assert.equal(client.evaluate('flags', key, prebuilt).value, true, `${key} from an EvalContext`);
  }
  // An undefined attribute is absent: {"var": "gone"} is null, and the probe says so.
  assert.equal(client.evaluateBool('flags', 'p-absent', false, context), true);
  assert.equal(client.evaluateBool('flags', 'p-string', true, { s: 'other' }), false, 'a probe can say no');
  prebuilt.close();
});

test('EvalContext: set, remove and clear change what rules read; close() frees it', () => {
  const user = new EvalContext({ email: 'bob@other.org' });
  assert.equal(client.evaluateBool('flags', 'new-checkout', true, user), false);
  assert.equal(user.set('email', 'ann@example.com'), user, 'set() chains');
  assert.equal(client.evaluateBool('flags', 'new-checkout', false, user), true);
  user.remove('email');
  assert.equal(client.evaluate('flags', 'new-checkout', user).reason, 'DEFAULT');
  user.set('plan', 'pro').set('targetingKey', 'k1');
  assert.equal(client.evaluateNumber('flags', 'max-items', 0, user), 100);
  user.set('plan', undefined);
  assert.equal(client.evaluateNumber('flags', 'max-items', 0, user), 10, 'undefined removes an attribute');
  user.set('plan', 'pro').clear();
  assert.equal(client.evaluateNumber('flags', 'max-items', 0, user), 10);
  assert.equal(user.closed, false);
  user.close();
  user.close();
  assert.equal(user.closed, true);
  assert.throws(() => client.evaluateBool('flags', 'new-checkout', false, user), (e) => e instanceof ClosedError && /EvalContext was closed/.test(e.message));
  assert.throws(() => user.set('a', 1), ClosedError);
  assert.throws(() => new EvalContext('user-1'), TypeError);
  assert.throws(() => new EvalContext([1]), TypeError);
});

test('a context a rule cannot read is a TypeError naming the attribute', () => {
  const cycle = { a: { b: {} } };
  cycle.a.b.back = cycle.a;
  const self = { x: 1 };
  self.me = self;
  let deep = { leaf: true };
  for (let i = 0; i < 70; i++) deep = { d: deep };
  const cases = [
    [{ f: () => 1 }, /context\.f is a function/],
    [{ s: Symbol('s') }, /context\.s is a symbol/],
    [{ n: 10n }, /context\.n is a bigint/],
    [{ n: NaN }, /context\.n is NaN/],
    [{ n: { m: [1, Infinity] } }, /context\.n\.m\[1\] is Infinity/],
    [cycle, /context\.a\.b\.back refers to itself \(a cycle\)/],
    [self, /context\.me refers to itself/],
    [{ deep }, /nests deeper than 64 levels/],
    [{ m: new Map([[1, 2]]) }, /context\.m is a Map/],
    [{ s: new Set([1]) }, /context\.s is a Set/],
    [{ t: new Uint8Array(2) }, /context\.t is a typed array/],
    [{ a: [1, undefined] }, /context\.a\[1\] is undefined/],
    [{ targetingKey: 7 }, /targetingKey must be a string/],
    [{ 'a\u0000b': 1 }, /must not contain U\+0000/],
  ];
  for (const [context, message] of cases) {
    assert.throws(() => client.evaluateBool('flags', 'new-checkout', false, context), (e) => e instanceof TypeError && message.test(e.message), String(message));
    assert.throws(() => client.evaluate('flags', 'new-checkout', context), TypeError);
    assert.throws(() => new EvalContext(context), TypeError);
    assert.throws(() => client.onFlagChange('flags', 'new-checkout', context, () => {}), TypeError);
  }
  for (const notAContext of ['user-1', 42, true, [{ a: 1 }], () => {}])
    assert.throws(() => client.evaluateBool('flags', 'new-checkout', false, notAContext), /must be a plain object of attributes .* or an EvalContext/);
  // What a getter throws reaches the caller as is.
  const trap = { get email() { throw new RangeError('from a getter'); } };
  assert.throws(() => client.evaluateBool('flags', 'new-checkout', false, trap), /from a getter/);
  // The client is unharmed: the next conversion starts from a clean context.
  assert.equal(client.evaluateBool('flags', 'new-checkout', false, ann), true);
  assert.equal(client.evaluateBool('flags', 'new-checkout', true, { email: 'x@other.org' }), false);
});

test('a getter that itself evaluates (re-entering the conversion) leaves both evaluations right', () => {
  const outer = {
    plan: 'pro',
    get email() {
      assert.equal(client.evaluateNumber('flags', 'max-items', 0, { plan: 'odd' }), 2.5);
      return 'ann@example.com';
    },
  };
  assert.equal(client.evaluateBool('flags', 'new-checkout', false, outer), true);
  assert.equal(client.evaluate('flags', 'max-items', outer).value, 100, 'plan pro survived the inner conversion');
});

test('arguments of the wrong type are TypeErrors', () => {
  assert.throws(() => client.evaluateBool('flags', 'new-checkout', 'no'), /defaultValue must be a boolean/);
  assert.throws(() => client.evaluateString('flags', 'banner', 1), /defaultValue must be a string/);
  assert.throws(() => client.evaluateNumber('flags', 'max-items', '1'), /defaultValue must be a number/);
  assert.throws(() => client.evaluateBool(1, 'new-checkout', false), /collection must be a string/);
  assert.throws(() => client.evaluateBool('flags', undefined, false), /flag key must be a string/);
  assert.throws(() => client.evaluate('flags', 'banner', {}, { type: 'integer' }), /type must be 'boolean', 'string', 'number' or 'object'/);
  assert.throws(() => client.evaluate('flags', 'banner', {}, { type: 'boolean', defaultValue: 'x' }), /defaultValue for type 'boolean' must be a boolean/);
  assert.throws(() => client.onFlagChange('flags', 'banner', {}), /listener must be a function/);
});

test('onFlagChange fires only when the evaluation for its context changes, and stops on unsubscribe', async () => {
  const account = { account: { plan: 'free', seats: 1 } };
  const heard = [];
  let events = collect(1);
  const stop = client.onFlagChange('flags', 'sso', account, (details) => { heard.push(details); events.push(details); });
  const prebuilt = new EvalContext(account);
  let heardByPrebuilt = collect(1);
  const stopPrebuilt = client.onFlagChange('flags', 'sso', prebuilt, (details) => heardByPrebuilt.push(details.variant));
  prebuilt.close(); // the subscription holds its own copy
  // Unrelated writes: another flag, another plan, another collection, the same value again.
  await write('flags', 'banner', FLAGS.banner);
  await write('plans', 'enterprise', { features: { sso: false }, limits: { seats: 9 } });
  await write('marker', 'unrelated', 1);
  await write('plans', 'free', { features: { sso: false }, limits: { seats: 4 } });
  // Callbacks run in revision order: once this marker's batch is here, the flag's would be too.
  const marker = collect(1);
  const stopMarker = client.subscribe({ collection: 'marker', key: 'm' }, marker.push);
  await writer.put('marker', 'm', 1);
  await marker.promise;
  stopMarker();
  assert.deepStrictEqual(heard, []);

  // Each change is awaited before the next: a listener is told the net result when it
  // runs, so two changes in quick succession that cancel out may be reported as none.
  await writer.put('plans', 'free', { features: { sso: true }, limits: { seats: 4 } });
  const [gained] = await events.promise;
  assert.deepStrictEqual(gained, { value: true, variant: 'on', reason: 'TARGETING_MATCH', errorCode: undefined, errorMessage: undefined, flagMetadata: {} });
  assert.deepStrictEqual(await heardByPrebuilt.promise, ['on']);
  events = collect(1);
  heardByPrebuilt = collect(1);
  await writer.put('flags', 'sso', { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' });
  const [flipped] = await events.promise;
  assert.equal(flipped.value, false);
  assert.equal(flipped.reason, 'STATIC');
  assert.deepStrictEqual(await heardByPrebuilt.promise, ['off']);

  stop();
  stop();
  stopPrebuilt();
  const last = collect(1);
  const stopLast = client.onFlagChange('flags', 'sso', account, last.push);
  await writer.delete('flags', 'sso');
  const [deleted] = await last.promise;
  assert.equal(deleted.errorCode, 'FLAG_NOT_FOUND');
  assert.equal(deleted.value, undefined, 'no default in a listener: the value is undefined');
  stopLast();
  assert.equal(heard.length, 2, 'nothing after unsubscribe');
  await write('flags', 'sso', FLAGS.sso);
  await write('plans', 'free', PLANS.free);
});

test('onFlagChange without a context, and a listener that throws goes to the error event', async () => {
  const errors = collect(1);
  client.once('error', errors.push);
  const stop = client.onFlagChange('flags', 'banner', () => { throw new Error('listener boom'); });
  await writer.put('flags', 'banner', { ...FLAGS.banner, defaultVariant: 'blue' });
  const [error] = await errors.promise;
  assert.equal(error.message, 'listener boom');
  stop();
  await write('flags', 'banner', FLAGS.banner);
});

test('flagProblems() and status().flagErrors report flags that do not compile', async () => {
  assert.deepStrictEqual(client.flagProblems(), []);
  assert.equal(client.status().flagErrors, 0);
  await write('flags', 'bad-ref', { state: 'ENABLED', variants: { y: true }, defaultVariant: 'y', targeting: { $ref: 'missing' } });
  await write('flags', 'bad-default', { state: 'ENABLED', variants: { a: 1 }, defaultVariant: 'zzz' });
  const problems = client.flagProblems();
  assert.deepStrictEqual(problems.map(({ collection, key }) => [collection, key]), [['flags', 'bad-default'], ['flags', 'bad-ref']]);
  for (const problem of problems) assert.equal(typeof problem.message, 'string');
  assert.match(problems[1].message, /missing/);
  assert.equal(client.status().flagErrors, 2);
  const details = client.evaluate('flags', 'bad-default', undefined, { type: 'number', defaultValue: 5 });
  assert.equal(details.errorCode, 'PARSE_ERROR');
  assert.equal(details.value, 5);
  await write('flags', 'bad-default', { state: 'ENABLED', variants: { a: 1 }, defaultVariant: 'a' });
  await writer.delete('flags', 'bad-ref').then((revision) => client.waitForRevision(revision));
  assert.deepStrictEqual(client.flagProblems(), []);
  assert.equal(client.status().flagErrors, 0);
  assert.equal(client.evaluateNumber('flags', 'bad-default', 5), 1);
});

test('after close() an evaluation gives the default with GENERAL; listeners and flagProblems throw ClosedError', async () => {
  const closing = await liveClient(server, { flagCollections: ['flags'] });
  const user = new EvalContext(ann);
  assert.equal(closing.evaluateBool('flags', 'new-checkout', false, user), true);
  closing.close();
  assert.equal(closing.evaluateBool('flags', 'new-checkout', false, user), false);
  assert.equal(closing.evaluateString('flags', 'banner', 'd', ann), 'd');
  assert.equal(closing.evaluateNumber('flags', 'max-items', 3), 3);
  assert.deepStrictEqual(closing.evaluateObject('flags', 'theme', { d: 1 }), { d: 1 });
  const details = closing.evaluate('flags', 'banner', ann, { type: 'string', defaultValue: 'd' });
  assert.equal(details.errorCode, 'GENERAL');
  assert.equal(details.reason, 'ERROR');
  assert.equal(details.value, 'd');
  assert.throws(() => closing.onFlagChange('flags', 'banner', ann, () => {}), ClosedError);
  assert.throws(() => closing.flagProblems(), ClosedError);
  assert.equal(typeof closing.status().flagErrors, 'number', 'status() works after close');
  user.close();
});

test('the reason says STALE while the server is away, CACHED from the offline cache alone', async () => {
  const own = await startServer();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotstate-node-flags-'));
  const options = { url: own.url, flagCollections: ['flags'], cachePath: path.join(dir, 'flags.cache'), backoff: { initialMs: 50, maxMs: 200 } };
  const first = new Client(options);
  try {
    await first.ready();
    await first.waitForRevision(await first.put('flags', 'banner', FLAGS.banner));
    assert.equal(first.evaluate('flags', 'banner').reason, 'STATIC');
    await own.stop();
    await eventually(() => first.evaluate('flags', 'banner').reason === 'STALE', { what: 'reason STALE' });
    assert.equal(first.evaluateString('flags', 'banner', 'd'), '#f00', 'last-known state keeps answering');
    assert.equal(first.evaluate('flags', 'no-such-flag').reason, 'ERROR', 'errors keep their own reason');
    first.close(); // writes the cache
    const fromCache = new Client(options);
    try {
      const cached = fromCache.evaluate('flags', 'banner', undefined, { type: 'string', defaultValue: 'd' });
      assert.equal(cached.value, '#f00');
      assert.equal(cached.reason, 'CACHED');
    } finally {
      fromCache.close();
    }
  } finally {
    first.close();
    await own.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
