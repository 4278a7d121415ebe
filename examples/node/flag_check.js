'use strict';
// A feature-flag check inside an HTTP handler, on a local replica of the "flags"
// collection: `node flag_check.js [HOTSTATE_URL] [PORT]` (defaults http://127.0.0.1:7700
// and 8080), then `curl localhost:8080/checkout`. Flip the flag with
//   curl -X PUT http://127.0.0.1:7700/v1/c/flags/checkout-v2 -d true
// and watch the change being printed: the next request sees it with no network call.
const http = require('node:http');
const { Client } = require(process.env.HOTSTATE_PACKAGE || 'hotstate');

const hotstateUrl = process.argv[2] || 'http://127.0.0.1:7700';
const port = Number(process.argv[3] || 8080);

const flags = new Client({ url: hotstateUrl, collections: ['flags'] });

// Off unless the flag exists and is `true`. A lookup in this process's memory: no I/O.
function enabled(name) {
  return flags.getBool('flags', name, false);
}

flags.subscribe({ collection: 'flags' }, ({ revision, changes }) => {
  for (const { key, newValue } of changes)
    console.log(`revision ${revision}: ${key} = ${newValue === undefined ? '(deleted)' : JSON.stringify(newValue)}`);
});
flags.on('status', ({ state, lastError }) => console.log(`hotstate link: ${state}${lastError ? ` (${lastError})` : ''}`));
// A flag that is not a boolean is a configuration mistake: say so instead of crashing.
flags.on('error', (error) => console.error('flag callback failed:', error));

const server = http.createServer((request, response) => {
  if (request.url === '/checkout') {
    let variant;
    try {
      variant = enabled('checkout-v2') ? 'new checkout' : 'classic checkout';
    } catch (error) {
      variant = `classic checkout (flag unreadable: ${error.code})`;
    }
    response.end(`${variant}\n`);
    return;
  }
  response.statusCode = 404;
  response.end('try /checkout\n');
});

flags.ready({ timeoutMs: 5000 })
  .catch((error) => console.error(`not live yet (${error.message}); serving last-known flags`))
  .then(() => server.listen(port, () => console.log(`http://localhost:${port}/checkout`)));

// Ctrl-C: stop listening, close the client (it writes its cache if it has one).
process.on('SIGINT', () => {
  server.close();
  flags.close();
});
