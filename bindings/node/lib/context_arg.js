'use strict';
// How an evaluation's context reaches the addon. An EvalContext, undefined, null (and
// values the addon refuses) are passed as they are. A plain object is passed flattened as
// the call's last arguments, object, name0, value0, name1, value1, ... (flatten(), spread
// into the call): the JIT enumerates and reads an object's own properties far faster than
// Node-API can, and the addon still converts and checks every value
// (src/context_from_js.cpp, src/context_arg.hpp).
const native = require('./native');

// More attributes than this go as the object itself (a call has a bounded argument count).
const MAX_FLAT_ATTRIBUTES = 256;

// Reused from call to call: a spread copies it into the call's arguments at once, so only
// a getter that evaluates while it is being filled needs an array of its own. It keeps the
// last context reachable until the next evaluation.
const scratch = [];
let filling = false;

// True for a context to pass flattened.
function isPlainContext(context) {
  return typeof context === 'object' && context !== null && !Array.isArray(context) && !(context instanceof native.EvalContext);
}

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

module.exports = { isPlainContext, flatten };
