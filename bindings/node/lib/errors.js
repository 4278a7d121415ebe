'use strict';
// Errors of the hotstate package. Every failure of the library is a HotstateError whose
// `code` is the C ABI's status name (hs_status_name) and whose message is the library's
// own (hs_last_error); each status has its subclass, so callers can use instanceof or code.

class HotstateError extends Error {
  constructor(message, code = 'HS_ERR_INTERNAL') {
    super(message);
    this.code = code;
  }

  get name() {
    return this.constructor.name;
  }
}

// One subclass per status; `code` is fixed by the class.
function statusError(className, code) {
  const cls = {
    [className]: class extends HotstateError {
      constructor(message) {
        super(message, code);
      }
    },
  }[className];
  return cls;
}

const NotFoundError = statusError('NotFoundError', 'HS_ERR_NOT_FOUND');
const InvalidArgumentError = statusError('InvalidArgumentError', 'HS_ERR_INVALID_ARGUMENT');
const ConditionFailedError = statusError('ConditionFailedError', 'HS_ERR_CONDITION_FAILED');
const TimeoutError = statusError('TimeoutError', 'HS_ERR_TIMEOUT');
const UnavailableError = statusError('UnavailableError', 'HS_ERR_UNAVAILABLE');
const ClosedError = statusError('ClosedError', 'HS_ERR_CLOSED');
const RefusedError = statusError('RefusedError', 'HS_ERR_REFUSED');
const TypeMismatchError = statusError('TypeMismatchError', 'HS_ERR_TYPE_MISMATCH');
const PermissionDeniedError = statusError('PermissionDeniedError', 'HS_ERR_PERMISSION_DENIED');
// A local file (the offline cache) could not be removed.
const LocalFileError = statusError('LocalFileError', 'HS_ERR_IO');
// Not a C ABI status: an async iterator of changes() whose buffer overflowed.
const ChangesOverflowError = statusError('ChangesOverflowError', 'HS_ERR_CHANGES_OVERFLOW');

// What the addon throws for each status name ('default': the statuses without a subclass).
const classesByCode = {
  HS_ERR_NOT_FOUND: NotFoundError,
  HS_ERR_INVALID_ARGUMENT: InvalidArgumentError,
  HS_ERR_CONDITION_FAILED: ConditionFailedError,
  HS_ERR_TIMEOUT: TimeoutError,
  HS_ERR_UNAVAILABLE: UnavailableError,
  HS_ERR_CLOSED: ClosedError,
  HS_ERR_REFUSED: RefusedError,
  HS_ERR_TYPE_MISMATCH: TypeMismatchError,
  HS_ERR_PERMISSION_DENIED: PermissionDeniedError,
  HS_ERR_IO: LocalFileError,
  // Every status of hotstate.h has an entry (test/error_table.test.js checks it); these
  // two have no subclass of their own.
  HS_ERR_NO_MEMORY: HotstateError,
  HS_ERR_INTERNAL: HotstateError,
  default: HotstateError,
};

module.exports = {
  HotstateError,
  NotFoundError,
  InvalidArgumentError,
  ConditionFailedError,
  TimeoutError,
  UnavailableError,
  ClosedError,
  RefusedError,
  TypeMismatchError,
  PermissionDeniedError,
  LocalFileError,
  ChangesOverflowError,
  classesByCode,
};
