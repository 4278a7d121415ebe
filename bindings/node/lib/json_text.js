'use strict';
// A JS value -> JSON text for writes. Like JSON.stringify (toJSON is honoured, object
// properties that are undefined are left out), but lossless and loud:
//  - BigInt is written as a JSON integer (it must fit in int64 or uint64, as the server
//    stores integers in 64 bits);
//  - NaN, Infinity, functions, symbols, undefined array items, cycles, Map, Set and
//    typed arrays throw a TypeError instead of silently becoming null or {}.
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

function toJsonText(value, what = 'value') {
  return write(value, what, new Set());
}

function write(value, path, ancestors) {
  if (value !== null && typeof value === 'object' && typeof value.toJSON === 'function') value = value.toJSON();
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${path} is ${value}, which JSON cannot hold`);
      return JSON.stringify(value);
    case 'bigint':
      if (value < INT64_MIN || value > UINT64_MAX)
        throw new RangeError(`${path} = ${value} does not fit in 64 bits (int64 or uint64)`);
      return value.toString();
    case 'object':
      if (value === null) return 'null';
      return writeContainer(value, path, ancestors);
    default:
      throw new TypeError(`${path} is a ${typeof value}, which JSON cannot hold`);
  }
}

function writeContainer(value, path, ancestors) {
  if (ancestors.has(value)) throw new TypeError(`${path} refers to itself (a cycle)`);
  if (value instanceof Map || value instanceof Set || ArrayBuffer.isView(value) || value instanceof ArrayBuffer)
    throw new TypeError(`${path} is a ${value.constructor.name}; convert it to a plain object or array first`);
  ancestors.add(value);
  let text;
  if (Array.isArray(value)) {
    const items = value.map((item, i) => {
      if (item === undefined) throw new TypeError(`${path}[${i}] is undefined, which JSON cannot hold`);
      return write(item, `${path}[${i}]`, ancestors);
    });
    text = `[${items.join(',')}]`;
  } else {
    const members = [];
    for (const name of Object.keys(value)) {
      const member = value[name];
      if (member === undefined) continue;
      members.push(`${JSON.stringify(name)}:${write(member, `${path}.${name}`, ancestors)}`);
    }
    text = `{${members.join(',')}}`;
  }
  ancestors.delete(value);
  return text;
}

module.exports = { toJsonText };
