'use strict';
// hotstate/openfeature: an OpenFeature provider (@openfeature/server-sdk) whose flags are
// evaluated locally by a hotstate Client, in this process's memory.
//
//   await OpenFeature.setProviderAndWait(new HotstateProvider({ url, collection: 'flags' }));
//
// Provider events follow the client's link: READY once the replica is live, STALE when the
// link goes stale or offline, READY again when it is back, CONFIGURATION_CHANGED (with the
// changed flag keys) when records of the flag collection change. initialize() resolves once
// the replica is live; when it is not within readyTimeoutMs, initialize() rejects (the SDK
// then emits ERROR) unless the replica holds an offline cache's state, which is served
// (reason CACHED) and reported STALE until the link is live.
let sdk;
try {
  sdk = require('@openfeature/server-sdk');
} catch (error) {
  if (error.code !== 'MODULE_NOT_FOUND') throw error;
  throw new Error(
    'hotstate/openfeature needs the OpenFeature server SDK: npm install @openfeature/server-sdk',
    { cause: error },
  );
}
const { ErrorCode, OpenFeatureEventEmitter, ProviderEvents, StandardResolutionReasons } = sdk;
const { Client } = require('./client');
const { TimeoutError } = require('./errors');

const DEFAULT_READY_TIMEOUT_MS = 10000;

class HotstateProvider {
  metadata = Object.freeze({ name: 'hotstate' });
  runsOn = 'server';
  events = new OpenFeatureEventEmitter();

  #client;
  #ownsClient;
  #collection;
  #readyTimeoutMs;
  // 'starting' until initialize() settles; then 'ready', 'stale' or 'error', as last told.
  #state = 'starting';
  #loadedRevision = 0; // changes up to this revision were part of the initial load
  #stops = [];

  // {url | urls, collection = 'flags', readyTimeoutMs = 10000, ...Client options} to make
  // a client of its own (closed by onClose), or {client, collection} to use yours (which
  // must have `collection` among its flagCollections).
  constructor(options = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('new HotstateProvider(options): options must be an object');
    const { collection = 'flags', client, readyTimeoutMs = DEFAULT_READY_TIMEOUT_MS, ...clientOptions } = options;
    if (typeof collection !== 'string') throw new TypeError('HotstateProvider: collection must be a string');
    if (!Number.isInteger(readyTimeoutMs) || readyTimeoutMs < 0) throw new TypeError('HotstateProvider: readyTimeoutMs must be a non-negative integer');
    this.#collection = collection;
    this.#readyTimeoutMs = readyTimeoutMs;
    if (client !== undefined) {
      if (!(client instanceof Client)) throw new TypeError('HotstateProvider: client must be a hotstate Client');
      if (Object.keys(clientOptions).length > 0)
        throw new TypeError(`HotstateProvider: give a client or client options, not both (got ${Object.keys(clientOptions).join(', ')})`);
      this.#client = client;
      this.#ownsClient = false;
    } else {
      const { flagCollections = [] } = clientOptions;
      const names = typeof flagCollections === 'string' ? [flagCollections] : flagCollections;
      if (!Array.isArray(names)) throw new TypeError('HotstateProvider: flagCollections must be an array of collection names');
      this.#client = new Client({ ...clientOptions, flagCollections: [...new Set([...names, collection])] });
      this.#ownsClient = true;
    }
  }

  // The hotstate Client behind the provider (for reads, writes and status()).
  get client() {
    return this.#client;
  }

  async initialize() {
    const client = this.#client;
    const onStatus = (status) => this.#linkChanged(status.state);
    client.on('status', onStatus);
    this.#stops.push(() => client.off('status', onStatus));
    this.#stops.push(client.subscribe({ collection: this.#collection }, (batch) => this.#flagsChanged(batch)));
    try {
      await client.ready({ timeoutMs: this.#readyTimeoutMs });
      this.#settle('ready');
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
      const { source, state, lastError } = client.status();
      if (source === 'none') {
        this.#settle('error');
        throw new Error(`hotstate: the flag collection '${this.#collection}' did not load within ${this.#readyTimeoutMs} ms ` +
          `(link ${state}${lastError ? `: ${lastError}` : ''})`);
      }
      // The offline cache's state is served. The SDK emits READY when this resolves; STALE
      // follows once it has (setImmediate runs after the SDK's promise callbacks).
      this.#settle('stale');
      setImmediate(() => {
        if (this.#state === 'stale') this.#emit(ProviderEvents.Stale, { message: `serving the offline cache (link ${client.status().state})` });
      });
    }
  }

  async onClose() {
    for (const stop of this.#stops.splice(0)) stop();
    if (this.#ownsClient) this.#client.close();
  }

  resolveBooleanEvaluation(flagKey, defaultValue, context) {
    return this.#resolve(flagKey, 'boolean', defaultValue, context);
  }

  resolveStringEvaluation(flagKey, defaultValue, context) {
    return this.#resolve(flagKey, 'string', defaultValue, context);
  }

  resolveNumberEvaluation(flagKey, defaultValue, context) {
    return this.#resolve(flagKey, 'number', defaultValue, context);
  }

  resolveObjectEvaluation(flagKey, defaultValue, context) {
    return this.#resolve(flagKey, 'object', defaultValue, context);
  }

  // ResolutionDetails: hotstate's details already carry OpenFeature's spellings.
  #resolve(flagKey, type, defaultValue, context) {
    let details;
    try {
      details = this.#client.evaluate(this.#collection, flagKey, context, { type, defaultValue });
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      // A context value hotstate cannot hold (a function, a bigint, a cycle...).
      return Promise.resolve({ value: defaultValue, reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.INVALID_CONTEXT, errorMessage: error.message, flagMetadata: {} });
    }
    if (details.errorCode !== undefined) details.errorCode = ErrorCode[details.errorCode] ?? ErrorCode.GENERAL;
    return Promise.resolve(details);
  }

  #settle(state) {
    this.#state = state;
    this.#loadedRevision = this.#client.status().revision;
  }

  // READY when the link is live again, STALE when it stops being so; nothing before
  // initialize() settled (the SDK reports its outcome itself).
  #linkChanged(link) {
    if (this.#state === 'starting') return;
    if (link === 'live' && this.#state !== 'ready') {
      this.#state = 'ready';
      this.#emit(ProviderEvents.Ready, { message: 'the replica is live' });
    } else if ((link === 'stale' || link === 'offline') && this.#state === 'ready') {
      this.#state = 'stale';
      this.#emit(ProviderEvents.Stale, { message: `the link to hotstated is ${link}; serving last-known flags` });
    }
  }

  // CONFIGURATION_CHANGED with the keys of the flags that changed; a change of
  // $evaluators or $metadata touches every flag of the collection.
  #flagsChanged(batch) {
    if (this.#state === 'starting' || batch.revision <= this.#loadedRevision) return;
    const changed = new Set();
    let shared = false;
    for (const { key } of batch.changes) {
      if (key === '$evaluators' || key === '$metadata') shared = true;
      else if (!key.startsWith('$')) changed.add(key);
    }
    if (shared) for (const record of this.#client.scan(this.#collection)) if (!record.key.startsWith('$')) changed.add(record.key);
    if (changed.size === 0) return;
    this.#emit(ProviderEvents.ConfigurationChanged, { flagsChanged: [...changed].sort() });
  }

  #emit(event, details) {
    this.events.emit(event, details);
  }
}

module.exports = { HotstateProvider };
