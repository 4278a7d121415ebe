'use strict';
// hotstate: a local in-memory replica of hotstated state for Node.js.
const native = require('./native');
const { Client } = require('./client');
const { Record } = require('./record');
const { EvalContext } = require('./eval_context');
const errors = require('./errors');

module.exports = {
  Client,
  Record,
  // A context built once and reused across evaluations (the hot-path form of a context).
  EvalContext,
  HotstateError: errors.HotstateError,
  NotFoundError: errors.NotFoundError,
  InvalidArgumentError: errors.InvalidArgumentError,
  ConditionFailedError: errors.ConditionFailedError,
  TimeoutError: errors.TimeoutError,
  UnavailableError: errors.UnavailableError,
  ClosedError: errors.ClosedError,
  RefusedError: errors.RefusedError,
  TypeMismatchError: errors.TypeMismatchError,
  PermissionDeniedError: errors.PermissionDeniedError,
  LocalFileError: errors.LocalFileError,
  ChangesOverflowError: errors.ChangesOverflowError,
  // Removes the offline cache file at `path` (and temporary files of interrupted writes);
  // nothing to remove is fine, a directory is never removed. Synchronous.
  wipeCache: (path) => native.wipeCache(path),
  // The native library's version ("0.1.0") and ABI version.
  version: native.version(),
  abiVersion: native.abiVersion(),
};
