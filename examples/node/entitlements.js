'use strict';
// Entitlements and limits evaluated locally (docs/flags.md, "Entitlements and limits"):
// billing plans are records of `plans`; each entitlement is a flag whose rule reads the
// account's plan record with the `record` operator, so "may this account use SSO, and is
// it under its seat limit" is one local call — no network, no plan lookup of your own.
//
//   node entitlements.js [HOTSTATE_URL]     (default $HOTSTATE_URL or http://127.0.0.1:7700)
//
// It writes two plans and two flags (an admin tool's job, done here to be self-contained),
// checks an account, and shows a plan change reaching the next check.
const { Client, EvalContext } = require(process.env.HOTSTATE_PACKAGE || 'hotstate');

const url = process.argv[2] || process.env.HOTSTATE_URL || 'http://127.0.0.1:7700';

const plans = {
  free: { features: { sso: false }, limits: { seats: 3 } },
  enterprise: { features: { sso: true }, limits: { seats: 1000 } },
};
const flags = {
  sso: {
    state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off',
    targeting: { if: [{ record: ['plans', { var: 'account.plan' }, 'features.sso'] }, 'on', 'off'] },
  },
  'add-seat': {
    state: 'ENABLED', variants: { yes: true, no: false }, defaultVariant: 'no',
    targeting: { if: [{ '<': [{ var: 'account.seats' }, { record: ['plans', { var: 'account.plan' }, 'limits.seats'] }] }, 'yes', 'no'] },
  },
};

// Two local evaluations; a missing or broken flag would give the default (false).
function check(client, label, account) {
  const sso = client.evaluateBool('flags', 'sso', false, account);
  const seat = client.evaluate('flags', 'add-seat', account, { type: 'boolean', defaultValue: false });
  console.log(`${label}: sso ${sso ? 'yes' : 'no'}, add a seat ${seat.value ? 'yes' : 'no'} (${seat.reason})`);
}

async function main() {
  const client = new Client({ url, collections: ['plans'], flagCollections: ['flags'] });
  try {
    await client.ready({ timeoutMs: 5000 });
    const ops = [
      ...Object.entries(plans).map(([key, value]) => ({ op: 'put', collection: 'plans', key, value })),
      ...Object.entries(flags).map(([key, value]) => ({ op: 'put', collection: 'flags', key, value })),
    ];
    await client.waitForRevision(await client.txn({ ops }));

    // The account's attributes, built once and reused on the hot path.
    const account = new EvalContext({ targetingKey: 'acme', account: { plan: 'free', seats: 3 } });
    check(client, 'acme on free, 3 seats used', account);
    account.set('account', { plan: 'enterprise', seats: 3 });
    check(client, 'acme on enterprise', account);

    // A plan changes on the server: the next check, in every process, sees it.
    account.set('account', { plan: 'free', seats: 3 });
    await client.waitForRevision(await client.put('plans', 'free', { features: { sso: true }, limits: { seats: 5 } }));
    check(client, 'acme on free after the free plan gained SSO and 5 seats', account);
    await client.put('plans', 'free', plans.free);
    account.close();
  } finally {
    client.close();
  }
}

main().catch((error) => {
  console.error(`entitlements: ${error.message}`);
  process.exitCode = 1;
});
