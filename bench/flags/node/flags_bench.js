'use strict';
// Local flag evaluation in Node, hotstate beside what a Node user of flagd would run
// instead: flagd's in-process evaluator (@openfeature/flagd-core), directly and through
// the OpenFeature client (the flagd provider, in-process, from an offline file). Every
// subject evaluates the same flag (workload.js) for the same users, in the same process.
//
//   node flags_bench.js --url URL [--runs 5] [--min-time 0.3] [--users 1024]
//                       [--placement TEXT] [--out FILE]
//
// The caller pins the process (run.sh: taskset -c 1) and says so in --placement. Prints a
// table (ns per evaluation: min / median / max over the runs) and writes JSON to --out.
const fs = require('node:fs');
const { FLAG_KEY, FLAG, makeUsers } = require('./workload');
const { makeSubjects } = require('./subjects');
const { runOnce, summarize } = require('./timing');

function parseArgs(argv) {
  const args = { runs: 5, minTime: 0.3, users: 1024, placement: 'not pinned', out: null, url: null };
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${name} needs a value`);
    if (name === '--url') args.url = value;
    else if (name === '--runs') args.runs = Number(value);
    else if (name === '--min-time') args.minTime = Number(value);
    else if (name === '--users') args.users = Number(value);
    else if (name === '--placement') args.placement = value;
    else if (name === '--out') args.out = value;
    else throw new Error(`unknown argument ${name}`);
  }
  if (!args.url) throw new Error('--url URL (a running hotstated) is required');
  if (!(args.runs >= 1 && args.minTime > 0 && args.users >= 1)) throw new Error('--runs, --min-time and --users must be positive');
  return args;
}

// Every subject must give the same value for every user: same rule, same hash.
async function disagreements(subjects, userCount) {
  const reference = subjects.find((s) => s.name === 'flagd-core');
  const counts = Object.fromEntries(subjects.map((s) => [s.name, 0]));
  for (let i = 0; i < userCount; i++) {
    const expected = reference.evaluate(i);
    for (const subject of subjects) if ((await subject.evaluate(i)) !== expected) counts[subject.name]++;
  }
  return counts;
}

function table(rows, medianOfPeer) {
  const lines = [
    '| subject | min ns/eval | median ns/eval | max ns/eval | median vs flagd-core |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const { name, ns } of rows)
    lines.push(`| ${name} | ${ns.min.toFixed(0)} | ${ns.median.toFixed(0)} | ${ns.max.toFixed(0)} | ${(ns.median / medianOfPeer).toFixed(2)}x |`);
  return lines.join('\n');
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const users = makeUsers(args.users);
  const { subjects, close } = await makeSubjects(args.url, users);
  try {
    const mismatches = await disagreements(subjects, users.length);
    for (const subject of subjects) await runOnce(subject, users.length, Math.min(args.minTime, 0.2)); // warm-up (JIT)
    const perRun = Object.fromEntries(subjects.map((s) => [s.name, []]));
    for (let run = 0; run < args.runs; run++)
      for (const subject of subjects) perRun[subject.name].push((await runOnce(subject, users.length, args.minTime)).nsPerOp);

    const rows = subjects.map((s) => ({ name: s.name, peer: s.peer, ns: summarize(perRun[s.name]), runs: perRun[s.name] }));
    const peerMedian = rows.find((r) => r.name === 'flagd-core').ns.median;
    console.log(`Flag evaluation in Node ${process.version}: flag "${FLAG_KEY}" (3-clause rule + fractional), ` +
      `${users.length} users of 5 attributes, ${args.runs} runs of >= ${args.minTime} s; ${args.placement}`);
    console.log(table(rows, peerMedian));
    const disagreeing = Object.entries(mismatches).filter(([, n]) => n > 0);
    if (disagreeing.length > 0) console.log(`WARNING: values differ from flagd-core's for ${JSON.stringify(Object.fromEntries(disagreeing))} of ${users.length} users`);

    const result = {
      benchmark: 'flags_node',
      date: new Date().toISOString(),
      node: process.version,
      placement: args.placement,
      flag: { key: FLAG_KEY, definition: FLAG },
      users: users.length,
      context_attributes: Object.keys(users[0]).length,
      runs: args.runs,
      min_time_s: args.minTime,
      unit: 'ns per evaluation',
      subjects: rows.map((r) => ({
        name: r.name,
        peer: r.peer,
        ns_per_eval: { min: r.ns.min, median: r.ns.median, max: r.ns.max, runs: r.runs },
        median_vs_flagd_core: r.ns.median / peerMedian,
      })),
      disagreements_with_flagd_core: mismatches,
      // bench/report.py's rows: one case, hotstate's subjects beside flagd-core's.
      rows: rows.map((r) => ({
        // Like with like: direct evaluations beside flagd-core, OpenFeature beside OpenFeature.
        case: r.name.includes('OpenFeature') ? 'flags.node.openfeature' : 'flags.node.direct',
        subject: r.name,
        system: r.peer ? 'flagd' : 'hotstate',
        language: 'Node',
        unit: 'ns/op',
        value: r.ns.median,
        min: r.ns.min,
        max: r.ns.max,
        runs: args.runs,
      })),
    };
    if (args.out) fs.writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await close();
  }
}

main().then(
  () => process.exit(0), // the flagd provider's file watcher would otherwise keep the process up
  (error) => {
    console.error(`flags_bench: ${error.stack || error}`);
    process.exit(1);
  },
);
