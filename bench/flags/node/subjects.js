'use strict';
// The subjects measured, each `evaluate(i)` for user i giving the flag's string value:
//   hotstate, object context      client.evaluateString(..., users[i])      (converted per call)
//   hotstate, EvalContext         client.evaluateString(..., contexts[i])   (built before timing)
//   hotstate, details             client.evaluate(..., users[i], {type, defaultValue})
//   hotstate via OpenFeature      await ofClient.getStringValue(...)        (HotstateProvider)
//   flagd-core                    core.resolveStringEvaluation(...)         (flagd's JS evaluator)
//   flagd via OpenFeature         await ofClient.getStringValue(...)        (FlagdProvider, in-process, offline file)
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { COLLECTION, FLAG_KEY, FLAG, FLAGD_DOCUMENT } = require('./workload');

const PACKAGE = path.join(__dirname, '..', '..', '..', 'bindings', 'node');
const { Client, EvalContext } = require(PACKAGE);
const { HotstateProvider } = require(path.join(PACKAGE, 'lib', 'openfeature'));
// One OpenFeature API for both providers: the SDK keeps it in a global (Symbol.for), so
// this copy and the one hotstate's provider loads share it.
const { OpenFeature } = require('@openfeature/server-sdk');
const { FlagdCore } = require('@openfeature/flagd-core');
const { FlagdProvider } = require('@openfeature/flagd-provider');

async function makeSubjects(url, users) {
  const client = new Client({ url, flagCollections: [COLLECTION] });
  await client.ready({ timeoutMs: 10000 });
  await client.waitForRevision(await client.put(COLLECTION, FLAG_KEY, FLAG));
  const contexts = users.map((user) => new EvalContext(user));

  await OpenFeature.setProviderAndWait('hotstate', new HotstateProvider({ client, collection: COLLECTION }));
  const viaHotstate = OpenFeature.getClient('hotstate');

  const core = new FlagdCore();
  core.setConfigurations(FLAGD_DOCUMENT);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotstate-bench-flagd-'));
  const file = path.join(dir, 'flags.json');
  fs.writeFileSync(file, FLAGD_DOCUMENT);
  await OpenFeature.setProviderAndWait('flagd', new FlagdProvider({ resolverType: 'in-process', offlineFlagSourcePath: file }));
  const viaFlagd = OpenFeature.getClient('flagd');

  const subjects = [
    { name: 'hotstate, object context', peer: false, evaluate: (i) => client.evaluateString(COLLECTION, FLAG_KEY, 'off', users[i]) },
    { name: 'hotstate, EvalContext', peer: false, evaluate: (i) => client.evaluateString(COLLECTION, FLAG_KEY, 'off', contexts[i]) },
    { name: 'hotstate, details (evaluate)', peer: false,
      evaluate: (i) => client.evaluate(COLLECTION, FLAG_KEY, users[i], { type: 'string', defaultValue: 'off' }).value },
    { name: 'hotstate via OpenFeature', peer: false, async: true, evaluate: (i) => viaHotstate.getStringValue(FLAG_KEY, 'off', users[i]) },
    { name: 'flagd-core', peer: true, evaluate: (i) => core.resolveStringEvaluation(FLAG_KEY, 'off', users[i]).value },
    { name: 'flagd via OpenFeature (in-process, offline file)', peer: true, async: true,
      evaluate: (i) => viaFlagd.getStringValue(FLAG_KEY, 'off', users[i]) },
  ];
  const close = async () => {
    await OpenFeature.close();
    for (const context of contexts) context.close();
    client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { subjects, close };
}

module.exports = { makeSubjects };
