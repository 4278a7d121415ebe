"""hotstate: stream state, evaluate locally.

A Client keeps a replica of selected collections in this process, fed by one stream to
hotstated; reads are local lookups that keep answering while the server is away.

    import hotstate
    client = hotstate.Client("http://127.0.0.1:7700", collections=["flags"])
    client.wait_ready(timeout=5)
    if client.get("flags", "new-checkout", default=False): ...

Flags in flagd's format are evaluated locally too:

    client = hotstate.Client(url, flag_collections=["flags"])
    client.evaluate_bool("flags", "new-checkout", False, {"targetingKey": "user-42"})

See docs/python.md.
"""

from ._native import Record, version as _native_version
from ._changes import Change, ChangeBatch
from ._cache import wipe_cache
from ._client import Client, Selector, Snapshot
from ._flag_methods import Context
from ._flags import ErrorCode, EvalContext, Evaluation, FlagProblem, Reason
from ._errors import (
    ChangesOverflowError,
    ClosedError,
    ConditionFailedError,
    HotstateError,
    InternalError,
    InvalidArgumentError,
    LocalFileError,
    NoMemoryError,
    NotFoundError,
    PermissionDeniedError,
    RefusedError,
    TimeoutError,
    TypeMismatchError,
    UnavailableError,
)
from ._status import DataSource, LinkState, Status
from ._subscription import Subscription
from ._txn import Delete, IfRevision, Put

__version__ = _native_version()

__all__ = [
    "Change",
    "ChangeBatch",
    "ChangesOverflowError",
    "Client",
    "ClosedError",
    "ConditionFailedError",
    "Context",
    "DataSource",
    "Delete",
    "ErrorCode",
    "EvalContext",
    "Evaluation",
    "FlagProblem",
    "HotstateError",
    "IfRevision",
    "InternalError",
    "InvalidArgumentError",
    "LinkState",
    "LocalFileError",
    "NoMemoryError",
    "NotFoundError",
    "Put",
    "Reason",
    "Record",
    "PermissionDeniedError",
    "RefusedError",
    "Selector",
    "Snapshot",
    "Status",
    "Subscription",
    "TimeoutError",
    "TypeMismatchError",
    "UnavailableError",
    "wipe_cache",
]
