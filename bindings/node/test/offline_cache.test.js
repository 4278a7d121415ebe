'use strict';
// Guarantee 6 of the README (a corrupt offline cache) in Node: a damaged, foreign or unwritable offline cache never stops a
// client (status.lastError says why, the replica starts empty and resyncs), and
// wipeCache(path) / client.wipeCache() remove the file.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { startServer } = require('./helpers/server');
const { eventually, sleep } = require('./helpers/wait');
const hotstate = require('..');

const { Client } = hotstate;
const fast = { backoff: { initialMs: 20, maxMs: 100 }, cacheIntervalMs: 20 };

// Accepts connections on `port` and never answers; close() drops them and frees the port.
async function silentListener(port) {
  const sockets = new Set();
  const listener = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(port, '127.0.0.1', resolve);
  });
  return {
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      listener.close(resolve);
    }),
  };
}

function tempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'hotstate-node-offline-cache-'));
}

function cacheClient(url, cachePath) {
  return new Client({ url, collections: ['cache'], cachePath, ...fast });
}

async function writeGoodCache(server, cachePath, values) {
  const client = cacheClient(server.url, cachePath);
  try {
    await client.ready();
    for (const [key, value] of Object.entries(values)) await client.waitForRevision(await client.put('cache', key, value));
  } finally {
    client.close();
  }
}

const damages = {
  'an empty file': { apply: () => Buffer.alloc(0), reason: 'the file is empty' },
  'a file cut inside the header': { apply: (good) => good.subarray(0, 12), reason: 'truncated inside the header' },
  'a file cut inside the payload': { apply: (good) => good.subarray(0, good.length - 1), reason: 'truncated' },
  'random bytes': { apply: (good) => Buffer.from(good.map((_, i) => (i * 131 + 7) & 0xff)), reason: 'not a hotstate cache file' },
};

for (const [name, damage] of Object.entries(damages)) {
  // Catches: a damaged file crashing or blocking the start, being served, going
  // unreported, or never being replaced by a good one.
  test(`${name} in the cache: an empty start, lastError says why, then a resync and a good file`, async () => {
    const dir = tempDir();
    const cachePath = path.join(dir, 'replica.cache');
    const server = await startServer();
    try {
      await writeGoodCache(server, cachePath, { a: 1 });
      fs.writeFileSync(cachePath, damage.apply(fs.readFileSync(cachePath)));
      await server.stop(); // at start only the file could answer
      // A listener that never answers holds the port: a refused connection would replace
      // lastError (it is the last error) before it is read.
      const silent = await silentListener(server.port);

      const client = cacheClient(server.url, cachePath);
      try {
        const status = client.status();
        assert.equal(status.source, 'none');
        assert.equal(client.get('cache', 'a'), undefined);
        assert.ok(status.lastError.includes(cachePath), status.lastError);
        assert.ok(status.lastError.includes(damage.reason), status.lastError);

        await silent.close();
        await server.start(); // same port, a new (empty) history
        await client.ready();
        await client.waitForRevision(await client.put('cache', 'b', 2));
        assert.equal(client.get('cache', 'b'), 2);
        assert.equal(client.status().source, 'server');
      } finally {
        client.close(); // writes a good file over the bad one
      }
      await server.stop();
      const offline = cacheClient(server.url, cachePath);
      try {
        assert.equal(offline.status().source, 'cache');
        assert.equal(offline.get('cache', 'b'), 2);
      } finally {
        offline.close();
      }
    } finally {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

// Catches: keys of a foreign file surviving the sync, or the swap going unreported.
test('a cache of another history is served offline, then replaced whole and reported as a reset', async () => {
  const dir = tempDir();
  const cachePath = path.join(dir, 'replica.cache');
  const other = await startServer();
  const server = await startServer();
  try {
    await writeGoodCache(other, cachePath, { foreign: 'theirs' });
    await server.stop();
    const client = cacheClient(server.url, cachePath);
    try {
      const resets = [];
      client.on('change', (batch) => resets.push(batch.reset));
      assert.equal(client.status().source, 'cache');
      assert.equal(client.get('cache', 'foreign'), 'theirs');

      await server.start();
      await client.put('cache', 'ours', 1);
      // Not waitForRevision: the foreign file's revision may already be as high.
      await eventually(() => client.get('cache', 'ours') === 1, { what: 'the server state' });
      // The status follows the published replica by a moment (its own lock).
      await eventually(() => client.status().resets >= 1, { what: 'the reset in the status' });
      const status = client.status();
      assert.equal(client.get('cache', 'foreign'), undefined);
      assert.equal(status.resets, 1);
      assert.ok(status.lastError.includes('belonged to another history'), status.lastError);
      await eventually(() => resets.length > 0, { what: 'a change event' });
      assert.equal(resets[0], true);
    } finally {
      client.close();
    }
  } finally {
    await server.stop();
    await other.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an unwritable cache path is reported in lastError and reads go on', async () => {
  const dir = tempDir();
  const blocker = path.join(dir, 'not-a-directory');
  fs.writeFileSync(blocker, 'a file where the directory should be'); // unwritable even for root
  const server = await startServer();
  const client = cacheClient(server.url, path.join(blocker, 'replica.cache'));
  try {
    await client.ready();
    for (let i = 0; i < 3; ++i) {
      await client.waitForRevision(await client.put('cache', 'n', i));
      await sleep(60);
      assert.equal(client.get('cache', 'n'), i);
    }
    await eventually(() => client.status().lastError.includes('offline cache not written'), { what: 'the write failure in lastError' });
    assert.equal(client.status().state, 'live');
  } finally {
    client.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('wipeCache(path) removes the file and leftovers, and says why it cannot', async () => {
  const dir = tempDir();
  const cachePath = path.join(dir, 'replica.cache');
  const server = await startServer();
  try {
    await writeGoodCache(server, cachePath, { a: 1 });
    const leftover = `${cachePath}.tmp.4711`;
    fs.writeFileSync(leftover, 'an interrupted write');
    hotstate.wipeCache(cachePath);
    assert.equal(fs.existsSync(cachePath), false);
    assert.equal(fs.existsSync(leftover), false);
    hotstate.wipeCache(cachePath); // nothing to remove
    assert.throws(() => hotstate.wipeCache(''), hotstate.InvalidArgumentError);
    fs.mkdirSync(cachePath);
    assert.throws(() => hotstate.wipeCache(cachePath), (e) => e instanceof hotstate.LocalFileError &&
      e.code === 'HS_ERR_IO' && e.message.includes(cachePath));
    assert.ok(fs.statSync(cachePath).isDirectory());
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('client.wipeCache() removes the file and close() does not write it back', async () => {
  const dir = tempDir();
  const cachePath = path.join(dir, 'replica.cache');
  const server = await startServer();
  try {
    await writeGoodCache(server, cachePath, { a: 1 });
  } catch (error) {
    await server.stop();
    throw error;
  }
  // A long interval: the file is behind the replica when it is wiped (as it mostly is).
  const client = new Client({ url: server.url, collections: ['cache'], cachePath, cacheIntervalMs: 3600000 });
  try {
    await client.ready();
    await client.waitForRevision(await client.put('cache', 'moved', 'on'));
    assert.ok(fs.existsSync(cachePath));
    client.wipeCache();
    assert.equal(fs.existsSync(cachePath), false);
    assert.equal(client.get('cache', 'a'), 1);
    client.close(); // unchanged since the wipe: not written back
    assert.equal(fs.existsSync(cachePath), false);
    client.wipeCache(); // after close too
    const without = new Client({ url: server.url, collections: ['cache'] });
    try {
      assert.throws(() => without.wipeCache(), hotstate.InvalidArgumentError);
    } finally {
      without.close();
    }
  } finally {
    client.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
