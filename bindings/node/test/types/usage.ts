// Compiled (never run) by test/types.test.js with `tsc --noEmit`: the package's
// declarations as a TypeScript user meets them, through the package's own name and
// exports map. Each @ts-expect-error is a misuse the types must refuse.
import { OpenFeature, ProviderEvents, type EvaluationDetails } from '@openfeature/server-sdk';
import { Client, EvalContext, type FlagDetails, type FlagProblem, type Status } from 'hotstate';
import { HotstateProvider } from 'hotstate/openfeature';

export async function flags(): Promise<void> {
  const client = new Client({ url: 'http://127.0.0.1:7700', flagCollections: ['flags'], collections: ['plans'] });
  const onlyFlags = new Client({ url: 'http://127.0.0.1:7700', flagCollections: 'flags' });
  onlyFlags.close();
  // Every duration may be left out (the core's default), the backoff's parts one by one.
  const tuned = new Client({ url: 'http://127.0.0.1:7700', collections: ['plans'], backoff: { maxMs: 200 }, requestTimeoutMs: 500 });
  tuned.close();
  // @ts-expect-error a duration is a number of milliseconds
  new Client({ url: 'http://127.0.0.1:7700', collections: ['plans'], backoff: { initialMs: '20' } });

  const user = { targetingKey: 'u1', email: 'a@example.com', account: { plan: 'pro', seats: 3, tags: ['a'] }, since: new Date() };
  const on: boolean = client.evaluateBool('flags', 'new-checkout', false, user);
  const banner: string = client.evaluateString('flags', 'banner', 'none');
  const limit: number = client.evaluateNumber('flags', 'max-items', 10, null);
  const config = client.evaluateObject('flags', 'theme', { color: 'blue' }, user);

  const prebuilt = new EvalContext({ targetingKey: 'u1' }).set('plan', 'pro').remove('email');
  const details: FlagDetails<boolean> = client.evaluate('flags', 'new-checkout', prebuilt, { type: 'boolean', defaultValue: false });
  const any = client.evaluate('flags', 'banner');
  const reason: 'STATIC' | 'DEFAULT' | 'TARGETING_MATCH' | 'SPLIT' | 'DISABLED' | 'ERROR' | 'STALE' | 'CACHED' | 'UNKNOWN' = any.reason;
  const code: string | undefined = details.errorCode;
  const metadata: Record<string, string | number | boolean> = details.flagMetadata;
  prebuilt.close();
  const closed: boolean = prebuilt.closed;

  const stop: () => void = client.onFlagChange('flags', 'new-checkout', user, (e) => console.log(e.value, e.variant));
  const stopToo = client.onFlagChange('flags', 'new-checkout', (e) => console.log(e.reason));
  stop();
  stopToo();
  const problems: FlagProblem[] = client.flagProblems();
  const status: Status = client.status();
  const broken: number = status.flagErrors;

  // @ts-expect-error the default of evaluateBool is a boolean
  client.evaluateBool('flags', 'new-checkout', 'no');
  // @ts-expect-error a context cannot hold a function
  client.evaluateBool('flags', 'new-checkout', false, { fn: () => 1 });
  // @ts-expect-error the targeting key is a string
  client.evaluateBool('flags', 'new-checkout', false, { targetingKey: 42 });
  // @ts-expect-error evaluate's type is one of OpenFeature's flag types
  client.evaluate('flags', 'banner', undefined, { type: 'integer', defaultValue: 1 });

  const provider = new HotstateProvider({ url: 'http://127.0.0.1:7700', collection: 'flags', readyTimeoutMs: 5000 });
  const shared = new HotstateProvider({ client });
  await OpenFeature.setProviderAndWait(provider);
  OpenFeature.setProvider('other', shared);
  OpenFeature.addHandler(ProviderEvents.ConfigurationChanged, (event) => console.log(event?.flagsChanged));
  const viaOpenFeature: EvaluationDetails<boolean> = await OpenFeature.getClient().getBooleanDetails('new-checkout', false, { targetingKey: 'u1' });
  const own: Client = provider.client;
  // @ts-expect-error the provider's collection is a name
  new HotstateProvider({ url: 'http://127.0.0.1:7700', collection: 3 });

  console.log(on, banner, limit, config, reason, code, metadata, closed, problems, broken, viaOpenFeature, own);
  await OpenFeature.close();
  client.close();
}
