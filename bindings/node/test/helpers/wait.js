'use strict';
// Waiting for something that happens on another thread, with a bound: tests assert
// behaviour, and a bound only turns a hang into a clear failure.
const { setTimeout: sleep } = require('node:timers/promises');

async function eventually(check, { timeoutMs = 10000, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

// The next `count` items a callback-style source delivers.
function collect(count, { timeoutMs = 10000, what = 'events' } = {}) {
  const items = [];
  let done;
  const promise = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${count} ${what}, got ${items.length}`)), timeoutMs);
    done = () => { clearTimeout(timer); resolve(items); };
  });
  const push = (item) => {
    items.push(item);
    if (items.length === count) done();
  };
  return { push, promise, items };
}

module.exports = { eventually, collect, sleep };
