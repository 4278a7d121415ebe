'use strict';
// new Client(options) -> the normalized options the addon reads (src/client_options.hpp).
// Unknown names are refused: a misspelt option would otherwise be silently ignored.

const KNOWN = new Set([
  'url', 'urls', 'collections', 'selectors', 'flagCollections', 'cachePath', 'cacheIntervalMs',
  'staleAfterMs', 'backoff', 'connectTimeoutMs', 'requestTimeoutMs', 'name', 'token', 'caFile',
]);

function normalizeOptions(options) {
  if (options === null || typeof options !== 'object')
    throw new TypeError('new Client(options): options must be an object with url (or urls) and collections (or selectors, or flagCollections)');
  for (const name of Object.keys(options))
    if (!KNOWN.has(name)) throw new TypeError(`unknown Client option '${name}'`);

  const flagCollections = flagCollectionsOf(options);
  return {
    urls: urlsOf(options),
    selectors: selectorsOf(options, flagCollections.length > 0),
    flagCollections,
    cachePath: options.cachePath,
    cacheIntervalMs: options.cacheIntervalMs,
    staleAfterMs: options.staleAfterMs,
    // Durations left out stay undefined: the addon passes 0, the core's default.
    backoff: backoffOf(options.backoff),
    connectTimeoutMs: options.connectTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
    name: options.name,
    token: options.token,
    caFile: options.caFile,
  };
}

function urlsOf({ url, urls }) {
  if (url !== undefined && urls !== undefined) throw new TypeError('give url or urls, not both');
  const list = url !== undefined ? [url] : urls;
  if (!Array.isArray(list) || list.length === 0) throw new TypeError('options.url (a string) or options.urls (a non-empty array) is required');
  for (const u of list) if (typeof u !== 'string') throw new TypeError('each url must be a string like "http://127.0.0.1:7700"');
  return list;
}

// A flag collection is replicated whole without a selector of its own: with one, the
// selectors may be left out.
function selectorsOf({ collections, selectors }, hasFlagCollections) {
  if (collections !== undefined && selectors !== undefined) throw new TypeError('give collections or selectors, not both');
  if (collections === undefined && selectors === undefined && hasFlagCollections) return [];
  let list;
  if (collections !== undefined) {
    const names = typeof collections === 'string' ? [collections] : collections;
    if (!Array.isArray(names)) throw new TypeError('options.collections must be an array of collection names');
    list = names.map((collection) => ({ collection, prefix: '' }));
  } else {
    if (!Array.isArray(selectors)) throw new TypeError('options.collections, options.selectors or options.flagCollections is required');
    list = selectors.map((s) => {
      if (s === null || typeof s !== 'object') throw new TypeError('each selector must be {collection, prefix?}');
      return { collection: s.collection, prefix: s.prefix ?? '' };
    });
  }
  if (list.length === 0 && !hasFlagCollections) throw new TypeError('select at least one collection (or give flagCollections)');
  for (const { collection } of list)
    if (typeof collection !== 'string') throw new TypeError('a selector\'s collection must be a string');
  return list;
}

function flagCollectionsOf({ flagCollections }) {
  if (flagCollections === undefined) return [];
  const names = typeof flagCollections === 'string' ? [flagCollections] : flagCollections;
  if (!Array.isArray(names)) throw new TypeError('options.flagCollections must be an array of collection names');
  for (const name of names) if (typeof name !== 'string') throw new TypeError('each flag collection must be a string');
  return names;
}

function backoffOf(backoff) {
  if (backoff === undefined) return undefined;
  if (backoff === null || typeof backoff !== 'object') throw new TypeError('options.backoff must be {initialMs, maxMs}');
  return { initialMs: backoff.initialMs, maxMs: backoff.maxMs };
}

module.exports = { normalizeOptions };
