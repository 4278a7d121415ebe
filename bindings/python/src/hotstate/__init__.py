"""hotstate: stream state, evaluate locally.

A Client keeps a replica of selected collections in this process, fed by one stream to
hotstated; reads are local lookups that keep answering while the server is away.

    import hotstate
    client = hotstate.Client("http://127.0.0.1:7700", collections=["flags"])
    client.wait_ready(timeout=5)
    if client.get("flags", "new-checkout", default=False): ...

See docs/python.md.
"""

from ._native import Record, version as _native_version
from ._changes import Change, ChangeBatch
from ._cache import wipe_cache
from ._client import Client, Selector, Snapshot, Subscription
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
from ._txn import Delete, IfRevision, Put

__version__ = _native_version()

__all__ = [
    "Change",
    "ChangeBatch",
    "ChangesOverflowError",
    "Client",
    "ClosedError",
    "ConditionFailedError",
    "DataSource",
    "Delete",
    "HotstateError",
    "IfRevision",
    "InternalError",
    "InvalidArgumentError",
    "LinkState",
    "LocalFileError",
    "NoMemoryError",
    "NotFoundError",
    "Put",
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
