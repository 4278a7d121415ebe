// A JS evaluation context -> the attributes of an hs_context, converted in C++ on each
// evaluation (no JSON text for flat attributes, nothing parsed twice):
//   targetingKey (a string)      -> the targeting key
//   string, boolean, null        -> flat attributes
//   number                       -> an integer while integral within ±(2^53−1), else a double
//   object, array                -> a nested attribute (its JSON), as JSON.stringify would
//                                   write it: toJSON honoured (a Date is its ISO text),
//                                   undefined object members left out
//   undefined                    -> left out
// What a context cannot hold is a TypeError naming the attribute's path (context.a.b[2]):
// functions, symbols, BigInts, NaN and ±Infinity, Map, Set, typed arrays and ArrayBuffers,
// undefined array items, cycles, nesting deeper than 64 levels, a targetingKey that is not
// a string, a name containing U+0000. Getters and toJSON run: they are ordinary JS, and
// what they throw propagates.
#pragma once

#include <hotstate.h>
#include <napi.h>

namespace hotstate_node {

// Clears `out`, then sets one attribute per own enumerable string-keyed property of
// `object` (a JS object that is not an array).
void fill_context(Napi::Env env, napi_value object, hs_context* out);

// The same from the flat form lib/ passes as the call's last arguments on the hot path:
// items = [object, name0, value0, name1, value1, ...] (Object.keys(object) and their
// values, read by the JIT, which is much faster at it than Node-API); count is odd.
void fill_context_flat(Napi::Env env, const napi_value* items, std::size_t count, hs_context* out);

// Sets (or, for undefined, removes) one attribute: EvalContext.set(name, value).
void set_context_attribute(Napi::Env env, hs_context* out, napi_value name, napi_value value);

// True for a value fill_context takes: an object that is neither an array nor a function.
bool is_context_object(Napi::Env env, napi_value value);

}  // namespace hotstate_node
