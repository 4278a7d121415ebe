"""Transactions: conditions and operations committed together at one revision."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable, Union

from ._errors import InvalidArgumentError
from ._values import to_json


@dataclass(frozen=True)
class Put:
    collection: str
    key: str
    value: Any


@dataclass(frozen=True)
class Delete:
    collection: str
    key: str


@dataclass(frozen=True)
class IfRevision:
    """Holds when the record's mod_revision is ``mod_revision`` (0: the record is absent)."""

    collection: str
    key: str
    mod_revision: int


Op = Union[Put, Delete]


def _ref(item: Union[Put, Delete, IfRevision]) -> str:
    """The '{"collection":..,"key":..' prefix of an item's JSON object."""
    if not isinstance(item.collection, str) or not isinstance(item.key, str):
        raise InvalidArgumentError(f"{type(item).__name__}: collection and key must be str")
    return json.dumps({"collection": item.collection, "key": item.key}, ensure_ascii=False)[:-1]


def txn_json(ops: Iterable[Op], conditions: Iterable[IfRevision]) -> str:
    """The POST /v1/txn body (docs/http-api.md). Values are encoded by to_json."""
    parts_if = []
    for c in conditions:
        if not isinstance(c, IfRevision):
            raise InvalidArgumentError(f"conditions must be hotstate.IfRevision, not {type(c).__name__}")
        if not isinstance(c.mod_revision, int) or c.mod_revision < 0:
            raise InvalidArgumentError("IfRevision.mod_revision must be an int >= 0")
        parts_if.append(f'{_ref(c)},"mod_revision":{c.mod_revision}}}')
    parts_ops = []
    for op in ops:
        if isinstance(op, Put):
            parts_ops.append(f'{_ref(op)},"op":"put","value":{to_json(op.value)}}}')
        elif isinstance(op, Delete):
            parts_ops.append(f'{_ref(op)},"op":"delete"}}')
        else:
            raise InvalidArgumentError(f"ops must be hotstate.Put or hotstate.Delete, not {type(op).__name__}")
    return '{"if":[' + ",".join(parts_if) + '],"ops":[' + ",".join(parts_ops) + "]}"
