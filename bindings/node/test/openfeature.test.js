'use strict';
// hotstate/openfeature through the real OpenFeature server SDK against a real hotstated:
// resolution details (values, variants, reasons, the SDK's error codes, metadata), and
// every provider event — READY, STALE and READY again as the link goes and comes back,
// CONFIGURATION_CHANGED with the changed flag keys, ERROR when the replica never loaded.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { OpenFeature, ProviderEvents, ProviderStatus, ErrorCode } = require('@openfeature/server-sdk');
const { startServer, serverNotStarted } = require('./helpers/server');
const { liveClient, closeAll } = require('./helpers/client');
const { collect } = require('./helpers/wait');
const { FLAGS, putAll } = require('./helpers/flags');
const { HotstateProvider } = require('hotstate/openfeature');
const { Client } = require('hotstate');

const fast = { staleAfterMs: 1000, backoff: { initialMs: 50, maxMs: 200 } };

let server;
let writer;
test.before(async () => {
  server = await startServer();
  writer = await liveClient(server, { collections: ['flags', 'other'] });
  await writer.waitForRevision(await putAll(writer, 'flags', FLAGS));
});
test.after(async () => {
  await OpenFeature.close();
  closeAll();
  await server.stop();
});

// The events a provider's domain sees, in order; next(type) waits for the next of a type.
function recordEvents(domain) {
  const client = OpenFeature.getClient(domain);
  const seen = [];
  const waiting = [];
  for (const type of Object.values(ProviderEvents)) {
    client.addHandler(type, (details) => {
      seen.push({ type, details });
      for (const w of waiting.filter((w) => w.type === type)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(details);
      }
    });
  }
  return {
    seen,
    types: () => seen.map((e) => e.type),
    next: (type) => new Promise((resolve) => waiting.push({ type, resolve })),
  };
}

test('the package exports hotstate/openfeature beside hotstate', () => {
  assert.equal(require.resolve('hotstate/openfeature'), path.join(__dirname, '..', 'lib', 'openfeature.js'));
  assert.equal(typeof Client, 'function');
  const provider = new HotstateProvider({ url: server.url });
  assert.deepStrictEqual(provider.metadata, { name: 'hotstate' });
  assert.equal(provider.runsOn, 'server');
  assert.ok(provider.client instanceof Client);
  provider.client.close();
});

test('resolutions through the OpenFeature client: values, variants, reasons, metadata and the SDK\'s error codes', async () => {
  const provider = new HotstateProvider({ url: server.url, collection: 'flags' });
  await OpenFeature.setProviderAndWait('resolve', provider);
  const flags = OpenFeature.getClient('resolve');
  const ann = { targetingKey: 'ann', email: 'ann@example.com', plan: 'pro' };

  const checkout = await flags.getBooleanDetails('new-checkout', false, ann);
  assert.deepStrictEqual({ ...checkout }, {
    flagKey: 'new-checkout', value: true, variant: 'on', reason: 'TARGETING_MATCH',
    errorCode: undefined, errorMessage: undefined, flagMetadata: {},
  });
  const banner = await flags.getStringDetails('banner', 'none');
  assert.equal(banner.value, '#f00');
  assert.equal(banner.reason, 'STATIC');
  assert.deepStrictEqual(banner.flagMetadata, { owner: 'web', version: 3, public: true });
  assert.equal(await flags.getNumberValue('max-items', 1, ann), 100);
  assert.equal(await flags.getNumberValue('max-items', 1, { plan: 'odd' }), 2.5);
  assert.deepStrictEqual(await flags.getObjectValue('theme', {}, { theme: 'dark' }), { bg: 'black', sizes: [], extra: null });
  assert.equal((await flags.getBooleanDetails('new-checkout', true, { email: 'x@other.org' })).reason, 'DEFAULT');
  assert.equal((await flags.getStringDetails('rollout', '?', { targetingKey: 'u1' })).reason, 'SPLIT');
  const disabled = await flags.getBooleanDetails('kill-switch', false);
  assert.deepStrictEqual([disabled.value, disabled.reason, disabled.errorCode], [false, 'DISABLED', undefined]);

  const failures = [
    [await flags.getBooleanDetails('no-such-flag', true), ErrorCode.FLAG_NOT_FOUND, true],
    [await flags.getStringDetails('new-checkout', 'd', ann), ErrorCode.TYPE_MISMATCH, 'd'],
    [await flags.getNumberDetails('banner', 5), ErrorCode.TYPE_MISMATCH, 5],
    [await flags.getObjectDetails('new-checkout', { d: 1 }, ann), ErrorCode.TYPE_MISMATCH, { d: 1 }],
    // A context value hotstate cannot hold.
    [await flags.getBooleanDetails('new-checkout', false, { n: 10n }), ErrorCode.INVALID_CONTEXT, false],
  ];
  for (const [details, code, value] of failures) {
    assert.equal(details.errorCode, code, JSON.stringify(details, (_, v) => (typeof v === 'bigint' ? String(v) : v)));
    assert.equal(details.reason, 'ERROR');
    assert.deepStrictEqual(details.value, value);
    assert.equal(typeof details.errorMessage, 'string');
  }
  await writer.waitForRevision(await writer.put('flags', 'broken', { state: 'ENABLED', variants: { a: 1 }, defaultVariant: 'nope' }));
  await provider.client.waitForRevision(writer.status().revision);
  const broken = await flags.getNumberDetails('broken', 9);
  assert.deepStrictEqual([broken.value, broken.errorCode], [9, ErrorCode.PARSE_ERROR]);
  await writer.delete('flags', 'broken');
});

test('a client of yours: the provider evaluates with it and leaves it open at close', async () => {
  const mine = await liveClient(server, { collections: ['other'], flagCollections: ['flags'] });
  const provider = new HotstateProvider({ client: mine, collection: 'flags' });
  await OpenFeature.setProviderAndWait('shared', provider);
  assert.equal(await OpenFeature.getClient('shared').getStringValue('banner', 'none'), '#f00');
  await OpenFeature.setProviderAndWait('shared', new HotstateProvider({ url: server.url })); // the old one is closed
  assert.equal(mine.closed, false);
  assert.throws(() => new HotstateProvider({ client: mine, url: server.url }), /give a client or client options, not both/);
  assert.throws(() => new HotstateProvider({ client: {} }), /must be a hotstate Client/);
});

test('onClose() closes the client the provider made', async () => {
  const provider = new HotstateProvider({ url: server.url });
  await OpenFeature.setProviderAndWait('closing', provider);
  await OpenFeature.setProviderAndWait('closing', new HotstateProvider({ url: server.url }));
  assert.equal(provider.client.closed, true);
});

test('events: CONFIGURATION_CHANGED names the changed flags; STALE when the server goes, READY when it is back', async () => {
  const own = await startServer();
  const ownWriter = new Client({ url: own.url, collections: ['flags'], ...fast });
  try {
    await ownWriter.ready();
    await ownWriter.waitForRevision(await putAll(ownWriter, 'flags', FLAGS));
    const events = recordEvents('link');
    const provider = new HotstateProvider({ url: own.url, collection: 'flags', ...fast });
    await OpenFeature.setProviderAndWait('link', provider);
    assert.deepStrictEqual(events.types(), [ProviderEvents.Ready]);
    assert.equal(OpenFeature.getClient('link').providerStatus, ProviderStatus.READY);

    let changed = events.next(ProviderEvents.ConfigurationChanged);
    await ownWriter.txn({ ops: [
      { op: 'put', collection: 'flags', key: 'banner', value: { ...FLAGS.banner, defaultVariant: 'blue' } },
      { op: 'delete', collection: 'flags', key: 'kill-switch' },
    ] });
    assert.deepStrictEqual((await changed).flagsChanged, ['banner', 'kill-switch']);
    assert.equal(await OpenFeature.getClient('link').getStringValue('banner', 'none'), '#00f');

    // $evaluators is shared by every flag: all of them changed.
    changed = events.next(ProviderEvents.ConfigurationChanged);
    await ownWriter.put('flags', '$evaluators', { staff: { ends_with: [{ var: 'email' }, '@corp.com'] } });
    const all = Object.keys(FLAGS).filter((key) => key !== 'kill-switch').sort();
    assert.deepStrictEqual((await changed).flagsChanged, all);

    const stale = events.next(ProviderEvents.Stale);
    await own.stop();
    await stale;
    assert.equal(OpenFeature.getClient('link').providerStatus, ProviderStatus.STALE);
    const whileAway = await OpenFeature.getClient('link').getStringDetails('banner', 'none');
    assert.deepStrictEqual([whileAway.value, whileAway.reason], ['#00f', 'STALE']);

    const ready = events.next(ProviderEvents.Ready);
    await own.start(); // same port, a new (empty) history
    await ready;
    assert.equal(OpenFeature.getClient('link').providerStatus, ProviderStatus.READY);
    const types = events.types();
    assert.deepStrictEqual(types.filter((t) => t !== ProviderEvents.ConfigurationChanged),
      [ProviderEvents.Ready, ProviderEvents.Stale, ProviderEvents.Ready]);
  } finally {
    ownWriter.close();
    await own.stop();
  }
});

test('events: ERROR when the replica never loaded, READY once the server comes', async () => {
  const later = await serverNotStarted();
  try {
    const events = recordEvents('late');
    const provider = new HotstateProvider({ url: later.url, readyTimeoutMs: 300, ...fast });
    await assert.rejects(OpenFeature.setProviderAndWait('late', provider), /did not load within 300 ms/);
    assert.deepStrictEqual(events.types(), [ProviderEvents.Error]);
    assert.equal(OpenFeature.getClient('late').providerStatus, ProviderStatus.ERROR);
    const notReady = await OpenFeature.getClient('late').getBooleanDetails('new-checkout', true);
    assert.deepStrictEqual([notReady.value, notReady.errorCode], [true, ErrorCode.PROVIDER_NOT_READY]);

    const ready = events.next(ProviderEvents.Ready);
    await later.start();
    await ready;
    assert.equal(OpenFeature.getClient('late').providerStatus, ProviderStatus.READY);
    const seeded = new Client({ url: later.url, collections: ['flags'] });
    try {
      await seeded.ready();
      await provider.client.waitForRevision(await seeded.put('flags', 'banner', FLAGS.banner));
    } finally {
      seeded.close();
    }
    assert.equal(await OpenFeature.getClient('late').getStringValue('banner', 'none'), '#f00');
  } finally {
    await later.stop();
  }
});

test('a start from the offline cache alone: READY, then STALE, with reason CACHED', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotstate-node-openfeature-'));
  const cachePath = path.join(dir, 'flags.cache');
  const own = await startServer();
  try {
    const first = new Client({ url: own.url, flagCollections: ['flags'], cachePath });
    await first.ready();
    await first.waitForRevision(await first.put('flags', 'banner', FLAGS.banner));
    first.close(); // writes the cache
    await own.stop();

    const events = recordEvents('cached');
    const stale = events.next(ProviderEvents.Stale);
    await OpenFeature.setProviderAndWait('cached', new HotstateProvider({ url: own.url, cachePath, readyTimeoutMs: 200, ...fast }));
    await stale;
    assert.deepStrictEqual(events.types(), [ProviderEvents.Ready, ProviderEvents.Stale]);
    const cached = await OpenFeature.getClient('cached').getStringDetails('banner', 'none');
    assert.deepStrictEqual([cached.value, cached.reason], ['#f00', 'CACHED']);
  } finally {
    await own.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bad provider options are TypeErrors', () => {
  assert.throws(() => new HotstateProvider({ url: server.url, collection: 5 }), /collection must be a string/);
  assert.throws(() => new HotstateProvider({ url: server.url, readyTimeoutMs: -1 }), /readyTimeoutMs/);
  assert.throws(() => new HotstateProvider({ url: server.url, colections: ['x'] }), /unknown Client option 'colections'/);
  assert.throws(() => new HotstateProvider(null), TypeError);
});

test('without @openfeature/server-sdk installed, hotstate/openfeature says what to install (hotstate itself loads)', () => {
  const { execFileSync } = require('node:child_process');
  // A copy of the package's JS where no node_modules can be found: the SDK is missing.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotstate-no-sdk-'));
  try {
    fs.cpSync(path.join(__dirname, '..', 'lib'), path.join(dir, 'lib'), { recursive: true });
    const script = `
      console.log(typeof require(${JSON.stringify(path.join(dir, 'lib', 'index.js'))}).Client);
      try { require(${JSON.stringify(path.join(dir, 'lib', 'openfeature.js'))}); } catch (e) { console.log(e.message); }
    `;
    const addon = process.env.HOTSTATE_NODE_ADDON || path.join(__dirname, '..', 'build', 'Release', 'hotstate.node');
    const output = execFileSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8', env: { ...process.env, HOTSTATE_NODE_ADDON: addon } });
    assert.match(output, /^function\n/);
    assert.match(output, /hotstate\/openfeature needs the OpenFeature server SDK: npm install @openfeature\/server-sdk/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
