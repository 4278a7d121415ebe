"""What flag evaluations report: OpenFeature's reasons and error codes, with its spellings,
and the flags that do not compile (docs/flags.md)."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any, Callable, Optional, Tuple

from . import _native


class Reason(str, enum.Enum):
    """Why an evaluation gave its value."""

    STATIC = "STATIC"  # no targeting: the default variant
    DEFAULT = "DEFAULT"  # the rule gave null: the default variant (or, without one, your default)
    TARGETING_MATCH = "TARGETING_MATCH"  # the rule named a variant
    SPLIT = "SPLIT"  # a fractional rollout chose the variant
    DISABLED = "DISABLED"  # the flag is DISABLED: your default
    ERROR = "ERROR"  # error_code says what went wrong: your default
    STALE = "STALE"  # a value from last-known state: the link is down or silent
    CACHED = "CACHED"  # a value from the offline cache, before any server was reached
    UNKNOWN = "UNKNOWN"


class ErrorCode(str, enum.Enum):
    """Why your default was returned."""

    FLAG_NOT_FOUND = "FLAG_NOT_FOUND"
    PARSE_ERROR = "PARSE_ERROR"  # the flag's record does not compile (flag_problems())
    TYPE_MISMATCH = "TYPE_MISMATCH"  # the flag's variants are of another type than asked
    TARGETING_KEY_MISSING = "TARGETING_KEY_MISSING"
    INVALID_CONTEXT = "INVALID_CONTEXT"
    GENERAL = "GENERAL"  # not a flag collection of this client, or the client is closed
    PROVIDER_NOT_READY = "PROVIDER_NOT_READY"  # no state yet: no server reached, no offline cache


# By the C ABI's numbers (hs_flag_reason, hs_flag_error; 0 is "no error"): the native module
# hands these members out.
REASONS: Tuple[Reason, ...] = (
    Reason.STATIC,
    Reason.DEFAULT,
    Reason.TARGETING_MATCH,
    Reason.SPLIT,
    Reason.DISABLED,
    Reason.ERROR,
    Reason.STALE,
    Reason.CACHED,
    Reason.UNKNOWN,
)
ERROR_CODES: Tuple[Optional[ErrorCode], ...] = (
    None,
    ErrorCode.FLAG_NOT_FOUND,
    ErrorCode.PARSE_ERROR,
    ErrorCode.TYPE_MISMATCH,
    ErrorCode.TARGETING_KEY_MISSING,
    ErrorCode.INVALID_CONTEXT,
    ErrorCode.GENERAL,
    ErrorCode.PROVIDER_NOT_READY,
)

Evaluation = _native.Evaluation
EvalContext = _native.EvalContext
FlagCallback = Callable[[Evaluation], Any]


@dataclass(frozen=True)
class FlagProblem:
    """A flag record that does not compile: it evaluates to your default with PARSE_ERROR."""

    collection: str
    key: str
    message: str


def problems_from_json(text: str) -> list[FlagProblem]:
    return [FlagProblem(p["collection"], p["key"], p["message"]) for p in json.loads(text)]
