"""Python values -> the JSON text the C ABI writes."""

from __future__ import annotations

import json
import math
from typing import Any

from ._errors import InvalidArgumentError

_INT64_MIN, _UINT64_MAX = -(2**63), 2**64 - 1


def _check(value: Any, path: str) -> None:
    """JSON's types only, ints within 64 bits, finite floats, str keys."""
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        if not _INT64_MIN <= value <= _UINT64_MAX:
            raise InvalidArgumentError(f"{path}: integer {value} does not fit in 64 bits")
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidArgumentError(f"{path}: {value} has no JSON form")
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise InvalidArgumentError(f"{path}: object keys must be str, not {type(k).__name__}")
            _check(v, f"{path}.{k}")
        return
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check(v, f"{path}[{i}]")
        return
    raise InvalidArgumentError(f"{path}: {type(value).__name__} is not a JSON type")


def to_json(value: Any) -> str:
    """Compact JSON for a value of JSON's types (dict, list/tuple, str, int, float, bool,
    None); anything else is an InvalidArgumentError naming where it sits."""
    _check(value, "value")
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
