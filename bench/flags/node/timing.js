'use strict';
// One run of one subject: evaluations over the users in order, wrapping, for at least
// minTime seconds; the clock is read once per pass over the users. Returns ns per
// evaluation and a sink (so nothing is optimized away).

async function runOnce(subject, userCount, minTimeS) {
  let ops = 0;
  let ns = 0n;
  let sink = 0;
  while (Number(ns) < minTimeS * 1e9) {
    const start = process.hrtime.bigint();
    if (subject.async) for (let i = 0; i < userCount; i++) sink += (await subject.evaluate(i)).length;
    else for (let i = 0; i < userCount; i++) sink += subject.evaluate(i).length;
    ns += process.hrtime.bigint() - start;
    ops += userCount;
  }
  return { nsPerOp: Number(ns) / ops, ops, sink };
}

function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] };
}

module.exports = { runOnce, summarize };
