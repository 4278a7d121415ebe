'use strict';
// What every subject evaluates: one flag with a three-clause targeting rule and, when the
// rule does not match, a fractional rollout; and the users it is evaluated for, each a
// context of five attributes, built before any timing.

const COLLECTION = 'bench-flags';
const FLAG_KEY = 'checkout-rollout';
const FLAG = {
  state: 'ENABLED',
  variants: { new: 'new', old: 'old', staff: 'staff' },
  defaultVariant: 'old',
  targeting: {
    if: [
      {
        and: [
          { ends_with: [{ var: 'email' }, '@example.com'] },
          { in: [{ var: 'country' }, ['de', 'fr', 'nl']] },
          { '>=': [{ var: 'age' }, 18] },
        ],
      },
      'staff',
      { fractional: [['new', 25], ['old', 75]] },
    ],
  },
};
// The same flag as a flagd document (flagd-core, the flagd provider's offline file).
const FLAGD_DOCUMENT = JSON.stringify({ flags: { [FLAG_KEY]: FLAG } });

// Seven users in eight walk all three clauses and fall through to the rollout (the third
// clause fails); the eighth matches the rule.
function makeUsers(count) {
  const users = [];
  for (let i = 0; i < count; i++) {
    users.push({
      targetingKey: `user-${i}`,
      email: `user-${i}@example.com`,
      country: ['de', 'fr', 'nl'][i % 3],
      age: i % 8 === 0 ? 30 : 16,
      plan: i % 2 ? 'pro' : 'free',
    });
  }
  return users;
}

module.exports = { COLLECTION, FLAG_KEY, FLAG, FLAGD_DOCUMENT, makeUsers };
