'use strict';
// Client: a local replica of the selected collections, kept current by hotstated.
// Reads and flag evaluations are synchronous local lookups; writes and waits return
// promises and run on Node's thread pool; changes arrive as 'change' events, subscribe()
// callbacks or an async iterator. A client never keeps the process alive by itself.
const { EventEmitter } = require('node:events');
const native = require('./native');
const { normalizeOptions } = require('./options');
const { toJsonText } = require('./json_text');
const { Record } = require('./record');
const { iterateRecords } = require('./scan_iterator');
const { SnapshotReader } = require('./snapshot_reader');
const { ChangeStream } = require('./change_stream');
const { isPlainContext, contextValue, flatten } = require('./eval_context');

const DEFAULT_TIMEOUT_MS = 10000;
const DEFAULT_CHANGES_BUFFER = 1000;

class Client extends EventEmitter {
  #native;
  #handlers = new Map(); // subscription id -> handler(event), on the JS thread
  #changeEvents = null; // subscription id behind the 'change' event, while it has listeners
  #statusEvents = null; // likewise for 'status'
  #streams = new Set();
  #closed = false;

  constructor(options) {
    super();
    this.#native = new native.Client(normalizeOptions(options), (id, event) => this.#handlers.get(id)?.(event));
    // 'change' and 'status' cost a native subscription only while someone listens.
    this.on('newListener', (name) => this.#listenerAdded(name));
    this.on('removeListener', (name) => this.#listenerRemoved(name));
  }

  // ---- Lifecycle ---------------------------------------------------------------------

  // Resolves once the replica is live (synced with a server); rejects with TimeoutError.
  async ready({ timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
    await this.#native.waitReady(timeoutMs);
  }

  // Resolves once the replica has reached `revision` (read-your-writes after put()).
  async waitForRevision(revision, { timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
    await this.#native.waitForRevision(revision, timeoutMs);
  }

  reconnectNow() {
    this.#native.reconnectNow();
  }

  // Removes this client's offline cache file (synchronous). The replica is untouched; the
  // file comes back with the replica's next change, never once closed (close, then wipe,
  // to be rid of it). Works after close().
  wipeCache() {
    this.#native.wipeCache();
  }

  // Stops the client's threads and writes the cache. Idempotent; safe inside callbacks.
  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers.clear();
    this.#changeEvents = this.#statusEvents = null;
    this.#native.close();
    for (const stream of [...this.#streams]) stream.end();
    for (const listener of this.rawListeners('close')) this.#callUser(listener, undefined);
  }

  get closed() {
    return this.#closed;
  }

  // {state, source, epoch, revision, serverRevision, sinceLastContactMs, connects,
  //  reconnectAttempts, resets, keys, bytes, lastError}; also after close (state 'closed').
  status() {
    return this.#native.status();
  }

  // ---- Reads (local, synchronous) ------------------------------------------------------

  get(collection, key, defaultValue) {
    const value = this.#native.get(collection, key);
    return value === undefined ? defaultValue : value;
  }

  view(collection, key) {
    const record = this.#native.view(collection, key);
    return record === undefined ? undefined : new Record(record);
  }

  // Typed reads: TypeMismatchError for a value of another type, NotFoundError when absent
  // unless a default is given.
  getBool(collection, key, ...defaultValue) {
    return this.#native.getBool(collection, key, ...defaultValue);
  }

  getInt(collection, key, ...defaultValue) {
    return this.#native.getInt(collection, key, ...defaultValue);
  }

  getDouble(collection, key, ...defaultValue) {
    return this.#native.getDouble(collection, key, ...defaultValue);
  }

  getString(collection, key, ...defaultValue) {
    return this.#native.getString(collection, key, ...defaultValue);
  }

  // Records whose key starts with `prefix`, sorted by key (byte order).
  scan(collection, prefix = '') {
    return iterateRecords(this.#native.scan(collection, prefix));
  }

  // fn(reader): every read of the reader sees one revision. Returns what fn returns (a
  // promise for an async fn; the revision stays pinned until it settles, so keep it short).
  snapshot(fn) {
    if (typeof fn !== 'function') throw new TypeError('snapshot(fn): fn must be a function');
    const read = this.#native.readBegin();
    let result;
    try {
      result = fn(new SnapshotReader(read));
    } catch (error) {
      read.close();
      throw error;
    }
    if (result !== null && typeof result === 'object' && typeof result.then === 'function')
      return Promise.resolve(result).finally(() => read.close());
    read.close();
    return result;
  }

  // ---- Flags (evaluated locally, docs/flags.md) ----------------------------------------

  // The flag's value for `context` (a plain object of attributes or an EvalContext), or
  // defaultValue whenever the flag cannot give one (missing, broken, disabled, of another
  // type, closed client): these never throw for the flag's sake. evaluate() says why.
  // A plain-object context crosses flattened (lib/eval_context.js).
  evaluateBool(collection, key, defaultValue, context) {
    if (!isPlainContext(context)) return this.#native.evaluateBool(collection, key, defaultValue, contextValue(context));
    return this.#native.evaluateBool(collection, key, defaultValue, ...flatten(context));
  }

  evaluateNumber(collection, key, defaultValue, context) {
    if (!isPlainContext(context)) return this.#native.evaluateNumber(collection, key, defaultValue, contextValue(context));
    return this.#native.evaluateNumber(collection, key, defaultValue, ...flatten(context));
  }

  evaluateString(collection, key, defaultValue, context) {
    if (!isPlainContext(context)) return this.#native.evaluateString(collection, key, defaultValue, contextValue(context));
    return this.#native.evaluateString(collection, key, defaultValue, ...flatten(context));
  }

  // Object flags: the variant's object, decoded fresh on each call.
  evaluateObject(collection, key, defaultValue, context) {
    if (!isPlainContext(context)) return this.#native.evaluateObject(collection, key, defaultValue, contextValue(context));
    return this.#native.evaluateObject(collection, key, defaultValue, ...flatten(context));
  }

  // {value, variant, reason, errorCode, errorMessage, flagMetadata}. type ('boolean',
  // 'string', 'number', 'object'; default: any) is the type the caller expects: a flag of
  // another type is TYPE_MISMATCH and gives defaultValue.
  evaluate(collection, key, context, options) {
    const { type, defaultValue } = options ?? {};
    const expect = expectOf(type, defaultValue);
    if (!isPlainContext(context)) return this.#native.evaluate(collection, key, expect, defaultValue, contextValue(context));
    return this.#native.evaluate(collection, key, expect, defaultValue, ...flatten(context));
  }

  // listener(details) each time the flag's evaluation for `context` gives another variant,
  // value or error (after the flag, its $evaluators or a record its rule reads changed).
  // Returns the unsubscribe function. (collection, key, listener) evaluates with no context.
  onFlagChange(collection, key, context, listener) {
    if (listener === undefined && typeof context === 'function') [context, listener] = [undefined, context];
    if (typeof listener !== 'function') throw new TypeError('onFlagChange(collection, key, context, listener): listener must be a function');
    const id = isPlainContext(context)
      ? this.#native.subscribeFlag(collection, key, ...flatten(context))
      : this.#native.subscribeFlag(collection, key, contextValue(context));
    this.#handlers.set(id, (details) => this.#callUser(listener, details));
    return () => this.#unsubscribe(id);
  }

  // The flags of the flag collections that do not compile: [{collection, key, message}].
  flagProblems() {
    return JSON.parse(this.#native.flagProblems());
  }

  // ---- Writes (HTTP, off the event loop) ------------------------------------------------

  // Resolves to the committed revision. ifRevision: the record's expected modRevision
  // (0 = only if absent); ConditionFailedError when it does not hold.
  async put(collection, key, value, { ifRevision } = {}) {
    return this.#native.put(collection, key, toJsonText(value), ifRevision);
  }

  async delete(collection, key, { ifRevision } = {}) {
    return this.#native.delete(collection, key, ifRevision);
  }

  // txn({if: [{collection, key, modRevision}], ops: [{op: 'put', collection, key, value} |
  // {op: 'delete', collection, key}]}): all or nothing, at one revision.
  async txn(transaction) {
    return this.#native.txn(txnText(transaction));
  }

  // ---- Changes -------------------------------------------------------------------------

  // fn(batch) for each transaction matching the filter; returns the unsubscribe function.
  subscribe(filter, fn) {
    if (typeof fn !== 'function') throw new TypeError('subscribe(filter, fn): fn must be a function');
    return this.#subscribeChanges(filter, (batch) => this.#callUser(fn, batch));
  }

  // for await (const batch of client.changes(filter)) { ... }
  changes(filter = {}) {
    const { bufferSize = DEFAULT_CHANGES_BUFFER, ...rest } = filter ?? {};
    if (!Number.isInteger(bufferSize) || bufferSize < 1) throw new TypeError('changes(): bufferSize must be a positive integer');
    const stream = new ChangeStream((onBatch) => {
      const unsubscribe = this.#subscribeChanges(rest, onBatch);
      return () => {
        this.#streams.delete(stream);
        unsubscribe();
      };
    }, bufferSize);
    this.#streams.add(stream); // so close() ends it
    return stream;
  }

  #subscribeChanges(filter, handler) {
    const { collection, prefix, key, everyWrite = false } = checkFilter(filter);
    const id = this.#native.subscribe(collection, prefix, key, everyWrite);
    this.#handlers.set(id, handler);
    return () => this.#unsubscribe(id);
  }

  #unsubscribe(id) {
    if (!this.#handlers.delete(id)) return; // already ended (or closed)
    this.#native.unsubscribe(id);
  }

  #listenerAdded(name) {
    if (name === 'change' && this.#changeEvents === null) {
      const id = this.#native.subscribe(undefined, undefined, undefined, false);
      this.#handlers.set(id, (batch) => this.#emitIsolated('change', batch));
      this.#changeEvents = id;
    } else if (name === 'status' && this.#statusEvents === null) {
      const id = this.#native.subscribeStatus();
      this.#handlers.set(id, (status) => this.#emitIsolated('status', status));
      this.#statusEvents = id;
    }
  }

  #listenerRemoved(name) {
    if (name === 'change' && this.#changeEvents !== null && this.listenerCount('change') === 0) {
      this.#unsubscribe(this.#changeEvents);
      this.#changeEvents = null;
    } else if (name === 'status' && this.#statusEvents !== null && this.listenerCount('status') === 0) {
      this.#unsubscribe(this.#statusEvents);
      this.#statusEvents = null;
    }
  }

  // Like emit(), but a listener that throws neither skips the others nor escapes.
  #emitIsolated(name, event) {
    for (const listener of this.rawListeners(name)) this.#callUser(listener, event);
  }

  // A user callback that throws must not kill the client or the process: the error goes
  // to 'error' listeners if there are any, else to stderr.
  #callUser(fn, event) {
    try {
      fn.call(this, event);
    } catch (error) {
      if (this.listenerCount('error') > 0) {
        try {
          this.emit('error', error);
          return;
        } catch (fromErrorListener) {
          error = fromErrorListener;
        }
      }
      console.error('hotstate: a callback threw (listen to the client\'s \'error\' event to handle this):', error);
    }
  }
}

// OpenFeature's flag value types -> hs_flag_expect (hotstate.h).
function expectOf(type, defaultValue) {
  let expect;
  switch (type) {
    case undefined: return 0; // HS_EXPECT_ANY
    case 'boolean': expect = 1; break; // HS_EXPECT_BOOL
    case 'string': expect = 2; break; // HS_EXPECT_STRING
    case 'number': expect = 4; break; // HS_EXPECT_DOUBLE
    case 'object': return 5; // HS_EXPECT_OBJECT: any JSON default
    default: throw new TypeError(`evaluate: type must be 'boolean', 'string', 'number' or 'object', not ${String(type)}`);
  }
  if (defaultValue !== undefined && typeof defaultValue !== type)
    throw new TypeError(`evaluate: a defaultValue for type '${type}' must be a ${type}`);
  return expect;
}

function checkFilter(filter) {
  if (filter === undefined || filter === null) return {};
  if (typeof filter !== 'object') throw new TypeError('a change filter must be an object {collection, prefix, key, everyWrite}');
  for (const name of Object.keys(filter))
    if (!['collection', 'prefix', 'key', 'everyWrite'].includes(name)) throw new TypeError(`unknown change filter '${name}'`);
  return filter;
}

function txnText(transaction) {
  if (transaction === null || typeof transaction !== 'object' || !Array.isArray(transaction.ops))
    throw new TypeError('txn({if, ops}): ops must be an array of {op, collection, key, value?}');
  const conditions = transaction.if ?? [];
  if (!Array.isArray(conditions)) throw new TypeError('txn({if, ops}): if must be an array of {collection, key, modRevision}');
  const body = {
    if: conditions.map((c, i) => {
      if (c === null || typeof c !== 'object' || c.modRevision === undefined)
        throw new TypeError(`txn: if[${i}] must be {collection, key, modRevision}`);
      return { collection: c.collection, key: c.key, mod_revision: c.modRevision };
    }),
    ops: transaction.ops.map((o, i) => {
      if (o === null || typeof o !== 'object') throw new TypeError(`txn: ops[${i}] must be an object`);
      if (o.op === 'put') {
        if (o.value === undefined) throw new TypeError(`txn: ops[${i}] is a put without a value`);
        return { op: 'put', collection: o.collection, key: o.key, value: o.value };
      }
      if (o.op === 'delete') return { op: 'delete', collection: o.collection, key: o.key };
      throw new TypeError(`txn: ops[${i}].op must be 'put' or 'delete'`);
    }),
  };
  return toJsonText(body, 'txn');
}

module.exports = { Client };
