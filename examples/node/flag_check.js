'use strict';
// A feature-flag check inside an HTTP handler, evaluated locally: `node flag_check.js
// [HOTSTATE_URL] [PORT]` (defaults http://127.0.0.1:7700 and 8080), then
// `curl -H 'x-user: user-42' localhost:8080/checkout`. The flag is a record of the
// collection "flags" in flagd's format (docs/flags.md), e.g.
//
//   hotstate put flags checkout-v2 '{"state":"ENABLED","variants":{"on":true,"off":false},
//     "defaultVariant":"off","targeting":{"fractional":[["on",25],["off",75]]}}'
//
// Each evaluation walks the flag's compiled rule in this process's memory: no network, and
// it keeps answering with the last state while the server is away.
const http = require('node:http');
const { Client, EvalContext } = require(process.env.HOTSTATE_PACKAGE || 'hotstate');

const hotstateUrl = process.argv[2] || 'http://127.0.0.1:7700';
const port = Number(process.argv[3] || 8080);

const flags = new Client({ url: hotstateUrl, flagCollections: ['flags'] });

// Told when the flag's value for this user changes (a write, a rollout moved, a rule fixed).
const watched = new EvalContext({ targetingKey: 'user-42' });
flags.onFlagChange('flags', 'checkout-v2', watched, ({ value, reason, errorCode }) =>
  console.log(`checkout-v2 for user-42 is now ${value ?? 'the default'} (${errorCode ?? reason})`));
flags.on('status', ({ state, lastError }) => console.log(`hotstate link: ${state}${lastError ? ` (${lastError})` : ''}`));
flags.on('error', (error) => console.error('flag listener failed:', error));

const server = http.createServer((request, response) => {
  if (request.url === '/checkout') {
    // Off unless the flag says on for this user; a missing or broken flag gives the default.
    const user = { targetingKey: request.headers['x-user'] || 'anonymous' };
    const newCheckout = flags.evaluateBool('flags', 'checkout-v2', false, user);
    response.end(`${newCheckout ? 'new checkout' : 'classic checkout'}\n`);
    return;
  }
  response.statusCode = 404;
  response.end('try /checkout\n');
});

flags.ready({ timeoutMs: 5000 })
  .catch((error) => console.error(`not live yet (${error.message}); evaluating last-known flags`))
  .then(() => server.listen(port, () => console.log(`http://localhost:${port}/checkout`)));

// Ctrl-C: stop listening, close the client (it writes its cache if it has one).
process.on('SIGINT', () => {
  server.close();
  flags.close();
});
