'use strict';
// Server restarts (a new epoch: the replica resets and converges), starting from the
// offline cache while the server is down, and reconnectNow().
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer } = require('./helpers/server');
const { eventually, collect } = require('./helpers/wait');
const { Client } = require('..');

const fast = { staleAfterMs: 1000, backoff: { initialMs: 50, maxMs: 300 } };

test('after a server restart (new epoch) the replica resets and converges to the new state', async () => {
  const server = await startServer();
  const client = new Client({ url: server.url, collections: ['life'], ...fast });
  try {
    await client.ready();
    await client.waitForRevision(await client.put('life', 'old', 'before restart'));
    const epoch = client.status().epoch;
    const resets = collect(1);
    client.on('change', (batch) => { if (batch.reset) resets.push(batch); });

    await server.restart();
    // A fresh in-memory server: write the new state once the client is back.
    await eventually(async () => {
      try {
        return await client.put('life', 'new', 'after restart');
      } catch {
        return false;
      }
    }, { what: 'a write to the restarted server' });
    await eventually(() => client.get('life', 'new') === 'after restart', { what: 'the new record' });

    assert.notEqual(client.status().epoch, epoch);
    assert.equal(client.get('life', 'old'), undefined);
    const [reset] = await resets.promise;
    assert.ok(reset.changes.some((c) => c.key === 'old' && c.newValue === undefined));
    assert.ok(client.status().resets >= 1);
    assert.ok(client.status().connects >= 2);
  } finally {
    client.close();
    await server.stop();
  }
});

test('a client started while the server is down answers from its cache file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotstate-node-cache-'));
  const cachePath = path.join(dir, 'replica.cache');
  const server = await startServer();
  try {
    const first = new Client({ url: server.url, collections: ['life'], cachePath, cacheIntervalMs: 100 });
    await first.ready();
    await first.waitForRevision(await first.put('life', 'cached', { from: 'cache' }));
    first.close(); // writes the cache
    assert.ok(fs.statSync(cachePath).size > 0);
    const url = server.url;
    await server.stop();

    const second = new Client({ url, collections: ['life'], cachePath, ...fast });
    try {
      assert.deepStrictEqual(second.get('life', 'cached'), { from: 'cache' });
      assert.equal(second.status().source, 'cache');
      assert.notEqual(second.status().state, 'live');
      await assert.rejects(second.ready({ timeoutMs: 200 }), (e) => e.code === 'HS_ERR_TIMEOUT');
    } finally {
      second.close();
    }
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('reconnectNow drops the link and the client comes back live', async () => {
  const server = await startServer();
  const client = new Client({ url: server.url, collections: ['life'], ...fast });
  try {
    await client.ready();
    const connects = client.status().connects;
    client.reconnectNow();
    await eventually(() => client.status().connects > connects && client.status().state === 'live', { what: 'a reconnect' });
  } finally {
    client.close();
    await server.stop();
  }
});

test('writes while no server is reachable reject with UnavailableError', async () => {
  const server = await startServer();
  const url = server.url;
  await server.stop();
  const client = new Client({ url, collections: ['life'], connectTimeoutMs: 500, requestTimeoutMs: 1000 });
  try {
    await assert.rejects(client.put('life', 'k', 1), (e) => e.code === 'HS_ERR_UNAVAILABLE' && e.name === 'UnavailableError');
    assert.ok(['connecting', 'offline'].includes(client.status().state));
  } finally {
    client.close();
  }
});
