'use strict';
// Flag definitions (flagd's format, docs/flags.md) the flag tests write, and a helper that
// writes an object's entries as records in one transaction.

const FLAGS = {
  'new-checkout': {
    state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off',
    targeting: { if: [{ ends_with: [{ var: 'email' }, '@example.com'] }, 'on', null] },
  },
  banner: {
    state: 'ENABLED', variants: { red: '#f00', blue: '#00f' }, defaultVariant: 'red',
    metadata: { owner: 'web', version: 3, public: true },
  },
  'max-items': {
    state: 'ENABLED', variants: { small: 10, big: 100, half: 2.5 }, defaultVariant: 'small',
    targeting: { if: [{ '==': [{ var: 'plan' }, 'pro'] }, 'big', { '==': [{ var: 'plan' }, 'odd'] }, 'half', null] },
  },
  theme: {
    state: 'ENABLED', variants: { light: { bg: 'white', sizes: [1, 2] }, dark: { bg: 'black', sizes: [], extra: null } }, defaultVariant: 'light',
    targeting: { if: [{ '==': [{ var: 'theme' }, 'dark'] }, 'dark', null] },
  },
  'kill-switch': { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
  'no-default': {
    state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: null,
    targeting: { if: [{ '==': [{ var: 'plan' }, 'pro'] }, 'on', null] },
  },
  // The benchmark's flag: a three-clause rule, then a fractional rollout.
  rollout: {
    state: 'ENABLED', variants: { new: 'new', old: 'old', staff: 'staff' }, defaultVariant: 'old',
    targeting: {
      if: [
        { and: [{ ends_with: [{ var: 'email' }, '@example.com'] }, { in: [{ var: 'country' }, ['de', 'fr', 'nl']] }, { '>=': [{ var: 'age' }, 18] }] },
        'staff',
        { fractional: [['new', 50], ['old', 50]] },
      ],
    },
  },
  sso: {
    state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off',
    targeting: { if: [{ record: ['plans', { var: 'account.plan' }, 'features.sso'] }, 'on', 'off'] },
  },
  'add-seat': {
    state: 'ENABLED', variants: { yes: true, no: false }, defaultVariant: 'no',
    targeting: { if: [{ '<': [{ var: 'account.seats' }, { record: ['plans', { var: 'account.plan' }, 'limits.seats'] }] }, 'yes', 'no'] },
  },
};

const PLANS = {
  free: { features: { sso: false }, limits: { seats: 3 } },
  enterprise: { features: { sso: true }, limits: { seats: 1000 } },
};

// A flag that is on exactly when the context's `path` equals `expected` (strictly).
function probe(path, expected) {
  return {
    state: 'ENABLED', variants: { yes: true, no: false }, defaultVariant: 'no',
    targeting: { if: [{ '===': [{ var: path }, expected] }, 'yes', 'no'] },
  };
}

// Every entry of `records` as a record of `collection`, in one transaction.
function putAll(writer, collection, records) {
  return writer.txn({ ops: Object.entries(records).map(([key, value]) => ({ op: 'put', collection, key, value })) });
}

module.exports = { FLAGS, PLANS, probe, putAll };
