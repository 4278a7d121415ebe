"""The exceptions hotstate raises: one class per hs_status of the C ABI.

Each is a HotstateError and also the built-in exception a Python programmer would
reach for (NotFoundError is a KeyError, TimeoutError the built-in TimeoutError, ...),
so both ``except hotstate.HotstateError`` and ``except KeyError`` work.
"""

from __future__ import annotations

import builtins


class HotstateError(Exception):
    """Base class of every error hotstate raises; ``status`` names the hs_status."""

    status: str = "HS_ERR_INTERNAL"
    code: int = 10


class InvalidArgumentError(HotstateError, ValueError):
    """A malformed name, key, prefix, option or value, or one over the server's limits."""

    status, code = "HS_ERR_INVALID_ARGUMENT", 1


class NotFoundError(HotstateError, KeyError):
    """No such record."""

    status, code = "HS_ERR_NOT_FOUND", 2

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return Exception.__str__(self)


class ConditionFailedError(HotstateError):
    """A write's if_revision (or a transaction's condition) did not match."""

    status, code = "HS_ERR_CONDITION_FAILED", 3


class TimeoutError(HotstateError, builtins.TimeoutError):  # noqa: A001 - deliberate
    """A wait ran out of time."""

    status, code = "HS_ERR_TIMEOUT", 4


class UnavailableError(HotstateError, ConnectionError):
    """No server could be reached (writes; reads never need one)."""

    status, code = "HS_ERR_UNAVAILABLE", 5


class ClosedError(HotstateError):
    """The client (or snapshot) was closed."""

    status, code = "HS_ERR_CLOSED", 6


class RefusedError(HotstateError):
    """The server refused a write for a reason other than bad input."""

    status, code = "HS_ERR_REFUSED", 7


class TypeMismatchError(HotstateError, TypeError):
    """A typed read (get_bool, get_int, ...) found a value of another type."""

    status, code = "HS_ERR_TYPE_MISMATCH", 8


class NoMemoryError(HotstateError, MemoryError):
    """The library ran out of memory."""

    status, code = "HS_ERR_NO_MEMORY", 9


class InternalError(HotstateError):
    """A bug in hotstate: please report it with the message."""

    status, code = "HS_ERR_INTERNAL", 10


class PermissionDeniedError(HotstateError, PermissionError):
    """The server refused the API token (missing or invalid), or the token's scope does not
    cover the collection."""

    status, code = "HS_ERR_PERMISSION_DENIED", 11


class LocalFileError(HotstateError, OSError):
    """A local file could not be changed: the offline cache file or a leftover temporary
    file of it could not be removed (the message names the file and the reason)."""

    status, code = "HS_ERR_IO", 12


class ChangesOverflowError(HotstateError):
    """An async change iterator fell further behind than its max_pending allowed."""

    status, code = "HS_ERR_OVERFLOW", -1


_BY_CODE: dict[int, type[HotstateError]] = {
    cls.code: cls
    for cls in (
        InvalidArgumentError,
        NotFoundError,
        ConditionFailedError,
        TimeoutError,
        UnavailableError,
        ClosedError,
        RefusedError,
        TypeMismatchError,
        NoMemoryError,
        InternalError,
        PermissionDeniedError,
        LocalFileError,
    )
}


def error_for_status(status: int) -> type[HotstateError]:
    """The class for an hs_status number (used by the native module)."""
    return _BY_CODE.get(status, InternalError)
