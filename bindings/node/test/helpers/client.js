'use strict';
// A live client on a test server, closed by the caller (or by closeAll in after()).
const { Client } = require('../..');

const open = [];

async function liveClient(server, options = {}) {
  const client = new Client({ url: server.url, collections: ['t'], ...options });
  open.push(client);
  await client.ready({ timeoutMs: 10000 });
  return client;
}

function closeAll() {
  for (const client of open.splice(0)) client.close();
}

// A write through `writer`, then read-your-writes on every reader.
async function putAndWait(writer, readers, collection, key, value) {
  const revision = await writer.put(collection, key, value);
  for (const reader of readers) await reader.waitForRevision(revision);
  return revision;
}

module.exports = { liveClient, closeAll, putAndWait };
