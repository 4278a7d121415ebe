'use strict';
// Local reads of a hotstate replica from Node beside what a Node service would do instead:
// a Redis GET on loopback (node-redis, awaited one by one) and a Map of its own.
//
//   node reads.js --url URL --collection C --records N --label 1m --redis-port R
//                 --redis-db D --runs 3 --min-time 0.2 --threads 1|2 > rows.json
//
// Node cannot pin a thread, so the caller pins the process (taskset): --threads 1 runs in
// the main thread, --threads 2 in two worker_threads, each with its own Client (a client
// belongs to the thread that made it), Map and Redis connection.
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');
const path = require('node:path');
const { createClient } = require('redis');
const { Client } = require(path.join(__dirname, '..', '..', '..', 'bindings', 'node'));
const { hitKey, hotKeys, shuffledKeys, valueJson } = require('./dataset');

const CHUNK = 2048; // lookups between two clock reads

// f(key) or f(collection, key) per lookup; returns how many were found (the sink).
function indep(f, coll, keys) {
  let found = 0;
  if (coll === null) for (const k of keys) found += f(k) === undefined ? 0 : 1;
  else for (const k of keys) found += f(coll, k) === undefined ? 0 : 1;
  return found;
}

// The next key's position depends on the previous result (latency).
function chain(f, coll, keys, zero) {
  let found = 0;
  for (let pos = 0, i = 0; i < keys.length; i++) {
    const v = coll === null ? f(keys[pos]) : f(coll, keys[pos]);
    const hit = v === undefined ? 0 : 1;
    found += hit;
    pos += 1 + (hit & zero);
  }
  return found;
}

async function redisLoop(get, keys, dependent) {
  let found = 0;
  let pos = 0;
  for (let i = 0; i < keys.length; i++) {
    const v = await get(keys[dependent ? pos : i]); // each GET is a round trip: already serial
    found += v === null ? 0 : 1;
    pos += 1;
  }
  return found;
}

function chunkAt(keys, pos) {
  return pos + CHUNK <= keys.length ? keys.slice(pos, pos + CHUNK) : keys.slice(pos).concat(keys.slice(0, pos + CHUNK - keys.length));
}

// One run of one subject: lookups for about minTime seconds from `start` (wrapping).
async function runLoop(subject, keys, start, isChain, minTime, zero) {
  let ops = 0, ns = 0n, pos = start, sink = 0;
  while (Number(ns) / 1e9 < minTime) {
    const chunk = chunkAt(keys, pos);
    const t0 = process.hrtime.bigint();
    if (subject.redis) sink += await redisLoop(subject.fn, chunk, isChain);
    else sink += isChain ? chain(subject.fn, subject.coll, chunk, zero) : indep(subject.fn, subject.coll, chunk);
    ns += process.hrtime.bigint() - t0;
    ops += chunk.length;
    pos = (pos + CHUNK) % keys.length;
  }
  return { ops, secs: Number(ns) / 1e9, sink };
}

// Everything one thread needs: its replica, Map and Redis connection, keys built up front.
async function openThreadState(opts) {
  const hits = shuffledKeys(opts.records, true);
  const misses = shuffledKeys(opts.records, false);
  const hot = hotKeys(hits, 4 * CHUNK);
  const map = new Map();
  for (let i = 0; i < opts.records; i++) map.set(hitKey(i), JSON.parse(valueJson(i)));
  const client = new Client({ url: opts.url, collections: [opts.collection] });
  await client.ready({ timeoutMs: 120000 });
  if (client.status().keys !== opts.records) throw new Error('the replica does not hold every record');
  const redis = createClient({ socket: { host: '127.0.0.1', port: opts.redisPort, connectTimeout: 10000 }, database: opts.redisDb });
  await redis.connect();
  if ((await redis.dbSize()) !== opts.records) throw new Error('redis does not hold every record');
  const subjects = {
    get: { fn: (c, k) => client.get(c, k), coll: opts.collection },
    view: { fn: (c, k) => client.view(c, k), coll: opts.collection },
    redis: { fn: (k) => redis.get(k), redis: true },
    map: { fn: (k) => map.get(k), coll: null },
  };
  return { keys: { hit: hits, miss: misses, hot }, subjects, close: async () => { client.close(); await redis.quit(); } };
}

const SUBJECTS = [
  ['get', 'hotstate Node client.get', 'hotstate'],
  ['view', 'hotstate Node client.view', 'hotstate'],
  ['redis', 'node-redis GET (loopback, awaited)', 'redis'],
  ['map', 'JS Map.get', 'baseline'],
];

async function workerMain() {
  const opts = workerData;
  const state = await openThreadState(opts);
  parentPort.on('message', async (task) => {
    if (task === 'close') { await state.close(); parentPort.postMessage('closed'); return; }
    const keys = state.keys[task.keys];
    const start = Math.floor((keys.length * task.index) / task.threads);
    parentPort.postMessage(await runLoop(state.subjects[task.subject], keys, start, task.chain, opts.minTime, task.zero));
  });
  parentPort.postMessage('ready');
}

function row(kase, subject, system, unit, values, notes) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { case: kase, subject, system, language: 'Node', unit, value: median, min: sorted[0], max: sorted[sorted.length - 1], runs: values.length, notes };
}

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i + 1 < argv.length; i += 2) o[argv[i].replace(/^--/, '')] = argv[i + 1];
  const num = (n) => { if (o[n] === undefined) throw new Error(`missing --${n}`); return Number(o[n]); };
  return { url: o.url, collection: o.collection, label: o.label, records: num('records'), redisPort: num('redis-port'),
    redisDb: num('redis-db'), runs: num('runs'), minTime: num('min-time'), threads: num('threads') };
}

// A worker answering one message at a time, with a bound on every wait.
function ask(worker, message) {
  return new Promise((resolve, reject) => {
    const done = () => { clearTimeout(timer); worker.off('message', onMessage); worker.off('error', onError); };
    const onMessage = (m) => { done(); resolve(m); };
    const onError = (e) => { done(); reject(e); };
    const timer = setTimeout(() => onError(new Error('worker did not answer in 300 s')), 300000);
    worker.on('message', onMessage);
    worker.on('error', onError);
    if (message !== undefined) worker.postMessage(message);
  });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const zero = opts.records - opts.records; // opaque to the JIT as a constant
  let runOne, close;
  if (opts.threads === 1) {
    const state = await openThreadState(opts);
    runOne = async (task) => [await runLoop(state.subjects[task.subject], state.keys[task.keys], 0, task.chain, opts.minTime, zero)];
    close = state.close;
  } else {
    const workers = [];
    for (let i = 0; i < opts.threads; i++) workers.push(new Worker(__filename, { workerData: opts }));
    await Promise.all(workers.map((w) => ask(w)));
    runOne = (task) => Promise.all(workers.map((w, index) => ask(w, { ...task, index, threads: opts.threads, zero })));
    close = () => Promise.all(workers.map((w) => ask(w, 'close').then(() => w.terminate())));
  }
  const rows = [];
  const where = opts.threads === 1 ? 'one JS thread, process pinned to one CPU' : `${opts.threads} worker_threads (own client each), process on CPUs 0-1`;
  for (const keysName of ['hit', 'miss', 'hot'])
    for (const isChain of [false, true]) {
      const kase = `read.${opts.label}.${keysName}.${opts.threads}t.${isChain ? 'chain' : 'indep'}.node`;
      for (const [subject, name, system] of SUBJECTS) {
        const nsPerOp = [], opsPerSec = [];
        for (let r = 0; r < opts.runs; r++) {
          const results = await runOne({ subject, keys: keysName, chain: isChain });
          const ops = results.reduce((a, x) => a + x.ops, 0);
          nsPerOp.push(results.reduce((a, x) => a + (x.secs / x.ops) * 1e9, 0) / results.length);
          opsPerSec.push(ops / Math.max(...results.map((x) => x.secs)));
        }
        const keyset = keysName === 'hot' ? '1,000 hot keys cycled' : 'random keys over the whole set';
        const notes = `${opts.records} records, ${keyset}, ${where}; time includes the JS loop`;
        rows.push(isChain ? row(kase, name, system, 'ns/op', nsPerOp, notes) : row(kase, name, system, 'ops/s', opsPerSec, notes));
        const last = rows[rows.length - 1];
        process.stderr.write(`${kase.padEnd(38)} ${name.padEnd(36)} ${last.value.toFixed(1).padStart(14)} ${last.unit}\n`);
      }
    }
  await close();
  process.stdout.write(JSON.stringify(rows));
}

if (isMainThread) main().catch((e) => { console.error(e); process.exit(1); });
else workerMain().catch((e) => { console.error(e); process.exit(1); });
