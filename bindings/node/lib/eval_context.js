'use strict';
// Evaluation contexts, and how a context reaches the addon.
//
// EvalContext: the attributes of a user or request converted once into a native context
// and reused (the hot-path form). Its native handle is freed by close(), or when the
// EvalContext is collected.
//
// A plain object is converted on every call: it is passed flattened as the call's last
// arguments, object, name0, value0, name1, value1, ... (flatten(), spread into the call):
// the JIT enumerates and reads an object's own properties far faster than Node-API can,
// and the addon still converts and checks every value (src/context_from_js.cpp). An
// EvalContext goes as its handle; undefined, null and values the addon refuses go as they
// are (src/context_arg.hpp).
const native = require('./native');

const NOT_ATTRIBUTES = "new EvalContext(attributes): attributes must be a plain object such as {targetingKey: 'user-1', plan: 'pro'}";
// More attributes than this go as the object itself (a call has a bounded argument count).
const MAX_FLAT_ATTRIBUTES = 256;

let handleOf;

class EvalContext {
  #handle;
  #closed = false;

  static {
    handleOf = (context) => context.#handle;
  }

  constructor(attributes) {
    if (attributes === undefined) this.#handle = native.contextNew();
    else if (isPlainContext(attributes)) this.#handle = native.contextNew(...flatten(attributes));
    else throw new TypeError(NOT_ATTRIBUTES);
  }

  // Replaces one attribute ('targetingKey': the targeting key); undefined removes it.
  set(name, value) {
    native.contextSet(this.#handle, name, value);
    return this;
  }

  remove(name) {
    native.contextSet(this.#handle, name, undefined);
    return this;
  }

  clear() {
    native.contextClear(this.#handle);
    return this;
  }

  // Frees the native context now; idempotent. Using it afterwards is a ClosedError.
  close() {
    native.contextClose(this.#handle);
    this.#closed = true;
  }

  get closed() {
    return this.#closed;
  }
}

// True for a context to pass flattened.
function isPlainContext(context) {
  return typeof context === 'object' && context !== null && !Array.isArray(context) && !(context instanceof EvalContext);
}

// What to pass for a context that is not flattened.
function contextValue(context) {
  return context instanceof EvalContext ? handleOf(context) : context;
}

// Reused from call to call: a spread copies it into the call's arguments at once, so only
// a getter that evaluates while it is being filled needs an array of its own. It keeps the
// last context reachable until the next evaluation.
const scratch = [];
let filling = false;

function flatten(context) {
  const names = Object.keys(context);
  if (names.length > MAX_FLAT_ATTRIBUTES) return [context];
  const outer = filling;
  const flat = outer ? [] : scratch;
  filling = true;
  try {
    flat[0] = context;
    let n = 1;
    for (const name of names) {
      flat[n++] = name;
      flat[n++] = context[name];
    }
    flat.length = n;
  } finally {
    filling = outer;
  }
  return flat;
}

module.exports = { EvalContext, isPlainContext, contextValue, flatten };
