'use strict';
// The data set of every read/sync benchmark (as python/dataset.py and cpp/bench_common.hpp):
// key i is "k%08d", a miss is "m%08d", the value of key i is {"enabled":true,"rollout":i%100}.

const hitKey = (i) => 'k' + String(i).padStart(8, '0');
const missKey = (i) => 'm' + String(i).padStart(8, '0');
const valueJson = (i) => `{"enabled":true,"rollout":${i % 100}}`;

// A small seeded PRNG (mulberry32): the same shuffle every run, random over the key set.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffledKeys(count, hits) {
  const keys = new Array(count);
  for (let i = 0; i < count; i++) keys[i] = hits ? hitKey(i) : missKey(i);
  const random = rng(42);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [keys[i], keys[j]] = [keys[j], keys[i]];
  }
  return keys;
}

// The hot set (what a flag check reads over and over): the first HOT_KEYS of a shuffled hit
// list, cycled. Repeated to `length` entries so the benchmark's chunks of lookups fit.
const HOT_KEYS = 1000;
function hotKeys(shuffledHits, length) {
  const hot = shuffledHits.slice(0, HOT_KEYS);
  const keys = [];
  while (keys.length < length) keys.push(...hot);
  return keys;
}

module.exports = { hitKey, missKey, valueJson, shuffledKeys, hotKeys };
