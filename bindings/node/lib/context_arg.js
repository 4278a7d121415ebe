'use strict';
// An evaluation's context argument as the addon takes it. A plain object is handed over
// flattened, [object, name0, value0, name1, value1, ...]: the JIT enumerates and reads an
// object's own properties far faster than Node-API can, and the addon still converts and
// checks every value (src/context_from_js.cpp). An EvalContext, undefined and null go as
// they are; an array is refused here, since the addon takes arrays as the flat form.
const native = require('./native');

const NOT_A_CONTEXT = "an evaluation context must be a plain object of attributes (such as {targetingKey: 'user-1'}) or an EvalContext";

// Reused from call to call; a getter that evaluates while it is being filled gets an
// array of its own. It keeps the last context reachable until the next evaluation.
const scratch = [];
let filling = false;

function contextArg(context) {
  if (typeof context !== 'object' || context === null || context instanceof native.EvalContext) return context;
  if (Array.isArray(context)) throw new TypeError(NOT_A_CONTEXT);
  const outer = filling;
  const flat = outer ? [] : scratch;
  filling = true;
  try {
    flat[0] = context;
    let n = 1;
    for (const name of Object.keys(context)) {
      flat[n++] = name;
      flat[n++] = context[name];
    }
    flat.length = n;
  } finally {
    filling = outer;
  }
  return flat;
}

module.exports = { contextArg };
