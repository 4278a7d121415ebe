"""hotstate.Client: a local replica of selected collections, kept current by one stream."""

from __future__ import annotations

import asyncio
import logging
from typing import (
    Any,
    AsyncIterator,
    Callable,
    Dict,
    Iterable,
    Iterator,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
    Union,
    overload,
)

from . import _native, _process
from ._changes import ChangeBatch, ChangeCallback, ChangeQueue, NativePairs, batch_from_native
from ._errors import InvalidArgumentError, NotFoundError
from ._flag_methods import FlagMethods
from ._status import Status
from ._subscription import Subscription
from ._txn import IfRevision, Op, txn_json
from ._values import to_json

_log = logging.getLogger("hotstate")

Record = _native.Record
Selector = Tuple[str, str]  # (collection, key prefix); "" selects the whole collection
_MISSING: Any = object()
T = TypeVar("T")
_MAX_MS = 2**32 - 1


def _ms(seconds: Optional[float], what: str, *, allow_zero: bool = False) -> int:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise InvalidArgumentError(f"{what} must be a number of seconds")
    ms = round(seconds * 1000)
    if ms < 0 or (ms == 0 and not allow_zero) or ms > _MAX_MS:
        raise InvalidArgumentError(f"{what} must be between 0.001 and {_MAX_MS // 1000} seconds")
    return ms


def _option_ms(seconds: Optional[float], what: str) -> int:
    """An optional duration for the C ABI: None is 0, which the core reads as its default."""
    return 0 if seconds is None else _ms(seconds, what)


def _wait_ms(timeout: Optional[float]) -> Optional[float]:
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 0:
        raise InvalidArgumentError("timeout must be None or a number of seconds >= 0")
    return timeout * 1000.0


def _urls(url: Union[str, Sequence[str], None]) -> list[str]:
    urls = [url] if isinstance(url, str) else list(url) if isinstance(url, (list, tuple)) else []
    if not urls or not all(isinstance(u, str) for u in urls):
        raise InvalidArgumentError("url must be a server URL or a list of them, e.g. 'http://127.0.0.1:7700'")
    return urls


def _names(names: Optional[Iterable[str]], option: str) -> list[str]:
    if isinstance(names, str):
        raise InvalidArgumentError(f"{option} must be a list of names, not one str")
    out = list(names or [])
    if not all(isinstance(n, str) for n in out):
        raise InvalidArgumentError(f"{option} must be a list of str")
    return out


def _selectors(
    collections: Optional[Iterable[str]], selectors: Optional[Iterable[Selector]], flag_collections: list[str]
) -> list[Selector]:
    out: list[Selector] = [(c, "") for c in _names(collections, "collections")]
    for s in selectors or []:
        if not (isinstance(s, tuple) and len(s) == 2):
            raise InvalidArgumentError(f"a selector is a (collection, prefix) tuple, not {s!r}")
        out.append(s)
    if not out and not flag_collections:
        raise InvalidArgumentError(
            "name at least one collection (collections=[...]), selector or flag collection (flag_collections=[...])"
        )
    if not all(isinstance(c, str) and isinstance(p, str) for c, p in out):
        raise InvalidArgumentError("collection names and prefixes must be str")
    return out


class Snapshot:
    """Many reads at one revision: get/view/scan all see the state of ``revision``."""

    def __init__(self, read: _native.Read) -> None:
        self._read = read

    @property
    def revision(self) -> int:
        return self._read.revision

    def get(self, collection: str, key: str, default: Any = None) -> Any:
        return self._read.get(collection, key, default)

    def view(self, collection: str, key: str) -> Optional[Record]:
        return self._read.view(collection, key)

    def scan(self, collection: str, prefix: str = "") -> Iterator[Record]:
        return iter(self._read.scan(collection, prefix))

    def close(self) -> None:
        self._read.close()

    def __enter__(self) -> "Snapshot":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Client(FlagMethods):
    """A local replica of the selected collections, fed by one stream to hotstated.

    Reads (get, view, scan, snapshot) are local and never wait on the network; they keep
    answering from the last known state while the server is away. Writes go to the
    server over HTTP and return the committed revision. Flags of the ``flag_collections``
    are evaluated locally too (evaluate_bool, ..., evaluate; docs/flags.md).

    With https:// (TLS) URLs the server's certificate is always verified, for the URL's
    host, against the system's trust store or only the CAs in ``ca_file`` (docs/tls.md).

    >>> with hotstate.Client("http://127.0.0.1:7700", collections=["flags"]) as client:
    ...     client.wait_ready(timeout=5)
    ...     client.get("flags", "new-checkout", default=False)
    """

    def __init__(
        self,
        url: Union[str, Sequence[str]],
        *,
        collections: Optional[Iterable[str]] = None,
        selectors: Optional[Iterable[Selector]] = None,
        flag_collections: Optional[Iterable[str]] = None,
        cache_path: Optional[str] = None,
        cache_interval: Optional[float] = None,
        stale_after: Optional[float] = None,
        backoff: Optional[Tuple[Optional[float], Optional[float]]] = None,
        connect_timeout: Optional[float] = None,
        request_timeout: Optional[float] = None,
        name: Optional[str] = None,
        token: Optional[str] = None,
        ca_file: Optional[str] = None,
    ) -> None:
        if cache_path is not None and not isinstance(cache_path, str):
            cache_path = str(cache_path)  # os.PathLike
        if ca_file is not None and not isinstance(ca_file, str):
            ca_file = str(ca_file)  # os.PathLike
        if backoff is None:
            backoff = (None, None)
        if not (isinstance(backoff, tuple) and len(backoff) == 2):
            raise InvalidArgumentError("backoff is (initial, max) in seconds")
        self._queues: set[ChangeQueue] = set()
        self._closed = False
        flags = _names(flag_collections, "flag_collections")
        self._native = _native.Client(
            urls=_urls(url),
            selectors=_selectors(collections, selectors, flags),
            flag_collections=flags,
            cache_path=cache_path,
            # None is 0: the core's default (hotstate.h), never repeated here.
            cache_interval_ms=_option_ms(cache_interval, "cache_interval"),
            stale_after_ms=_option_ms(stale_after, "stale_after"),
            backoff_initial_ms=_option_ms(backoff[0], "backoff[0]"),
            backoff_max_ms=_option_ms(backoff[1], "backoff[1]"),
            connect_timeout_ms=_option_ms(connect_timeout, "connect_timeout"),
            request_timeout_ms=_option_ms(request_timeout, "request_timeout"),
            name=name,
            token=token,
            ca_file=ca_file,
        )
        # The hot paths go straight to the native methods (no Python frame in between);
        # the methods of the same name below document them and are what subclasses see.
        self.get = self._native.get  # type: ignore[method-assign]
        self.view = self._native.view  # type: ignore[method-assign]
        self.evaluate_bool = self._native.evaluate_bool  # type: ignore[method-assign]
        self.evaluate_string = self._native.evaluate_string  # type: ignore[method-assign]
        self.evaluate_int = self._native.evaluate_int  # type: ignore[method-assign]
        self.evaluate_float = self._native.evaluate_float  # type: ignore[method-assign]
        self.evaluate_object = self._native.evaluate_object  # type: ignore[method-assign]
        self.evaluate = self._native.evaluate  # type: ignore[method-assign]
        self.flag_collections: tuple[str, ...] = tuple(flags)
        _process.track(self)

    # ---- life cycle --------------------------------------------------------------

    def close(self) -> None:
        """Stops the client's threads and writes the cache. Idempotent. Afterwards
        reads and writes raise ClosedError; status() still answers."""
        if self._closed:
            return
        self._closed = True
        _process.untrack(self)
        self._native.close()
        for queue in list(self._queues):
            queue.finish_threadsafe()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._closed:
            return "<hotstate.Client closed>"
        s = self.status()
        return f"<hotstate.Client {s.state.value} revision={s.revision} keys={s.keys}>"

    def _close_at_exit(self) -> None:
        self.close()

    # ---- local reads ---------------------------------------------------------------

    def get(self, collection: str, key: str, default: Any = None) -> Any:
        """The record's value as a fresh Python object, or ``default`` when absent."""
        return self._native.get(collection, key, default)

    def view(self, collection: str, key: str) -> Optional[Record]:
        """The record itself (value, json, raw bytes, revisions), or None when absent."""
        return self._native.view(collection, key)

    def _typed(self, collection: str, key: str, default: Any, read: Callable[[Record], Any]) -> Any:
        record = self._native.view(collection, key)
        if record is None:
            if default is _MISSING:
                raise NotFoundError(f"no record {collection}/{key}")
            return default
        return read(record)

    @overload
    def get_bool(self, collection: str, key: str) -> bool: ...
    @overload
    def get_bool(self, collection: str, key: str, default: T) -> Union[bool, T]: ...
    def get_bool(self, collection: str, key: str, default: Any = _MISSING) -> Any:
        """The value if it is a bool; TypeMismatchError if it is another type; NotFoundError
        when absent unless a default is given."""
        return self._typed(collection, key, default, Record.as_bool)

    @overload
    def get_int(self, collection: str, key: str) -> int: ...
    @overload
    def get_int(self, collection: str, key: str, default: T) -> Union[int, T]: ...
    def get_int(self, collection: str, key: str, default: Any = _MISSING) -> Any:
        """As get_bool, for integers (within 64-bit signed)."""
        return self._typed(collection, key, default, Record.as_int)

    @overload
    def get_float(self, collection: str, key: str) -> float: ...
    @overload
    def get_float(self, collection: str, key: str, default: T) -> Union[float, T]: ...
    def get_float(self, collection: str, key: str, default: Any = _MISSING) -> Any:
        """As get_bool, for any number (returned as float)."""
        return self._typed(collection, key, default, Record.as_float)

    @overload
    def get_str(self, collection: str, key: str) -> str: ...
    @overload
    def get_str(self, collection: str, key: str, default: T) -> Union[str, T]: ...
    def get_str(self, collection: str, key: str, default: Any = _MISSING) -> Any:
        """As get_bool, for strings."""
        return self._typed(collection, key, default, Record.as_str)

    def scan(self, collection: str, prefix: str = "") -> Iterator[Record]:
        """The collection's records whose key starts with ``prefix``, sorted by key, all
        from one revision."""
        return iter(self._native.scan(collection, prefix))

    def snapshot(self) -> Snapshot:
        """Pins the current revision for many consistent reads; use it in a ``with``."""
        return Snapshot(_native.Read(self._native))

    # ---- the link ------------------------------------------------------------------

    def status(self) -> Status:
        return Status.from_native(self._native.status())

    def wait_ready(self, timeout: Optional[float] = None) -> None:
        """Blocks until the replica is LIVE (TimeoutError after ``timeout`` seconds)."""
        self._native.wait_ready(_wait_ms(timeout))

    def wait_for_revision(self, revision: int, timeout: Optional[float] = None) -> None:
        """Blocks until the replica reached ``revision``, e.g. one a write returned."""
        self._native.wait_for_revision(revision, _wait_ms(timeout))

    def reconnect_now(self) -> None:
        """Drops the link and reconnects at once (the replica keeps answering)."""
        self._native.reconnect_now()

    # ---- writes (HTTP, blocking; the GIL is released meanwhile) ---------------------

    def put(self, collection: str, key: str, value: Any, *, if_revision: Optional[int] = None) -> int:
        """Writes a value of JSON's types; returns the committed revision. With
        ``if_revision`` the write happens only if the record's mod_revision is that
        (0: only if absent), else ConditionFailedError."""
        return self._native.put_json(collection, key, to_json(value), if_revision)

    def delete(self, collection: str, key: str, *, if_revision: Optional[int] = None) -> int:
        return self._native.delete(collection, key, if_revision)

    def txn(self, ops: Iterable[Op], *, conditions: Iterable[IfRevision] = ()) -> int:
        """Puts and deletes committed together at one revision, if every condition holds
        (else ConditionFailedError and nothing changes)."""
        return self._native.txn(txn_json(ops, conditions))

    # ---- changes -------------------------------------------------------------------

    def on_change(
        self,
        callback: ChangeCallback,
        *,
        collection: Optional[str] = None,
        prefix: Optional[str] = None,
        key: Optional[str] = None,
        every_write: bool = False,
    ) -> Subscription:
        """Calls ``callback(batch)`` on the client's callback thread after each
        transaction that changed a matching record, in revision order. Writes that left
        a value equal are skipped unless ``every_write``. An exception in the callback
        is logged (logger "hotstate") and the client carries on."""
        if not callable(callback):
            raise TypeError("callback must be callable")

        def deliver(revision: int, reset: bool, pairs: NativePairs) -> None:
            try:
                callback(batch_from_native(revision, reset, pairs))
            except Exception:
                _log.exception("hotstate: change callback %r raised; the client carries on", callback)

        return self._subscribe(deliver, collection, prefix, key, every_write)

    def on_status(self, callback: Callable[[Status], Any]) -> Subscription:
        """Calls ``callback(status)`` on the callback thread when the link state changes."""
        if not callable(callback):
            raise TypeError("callback must be callable")

        def deliver(raw: Dict[str, Any]) -> None:
            try:
                callback(Status.from_native(raw))
            except Exception:
                _log.exception("hotstate: status callback %r raised; the client carries on", callback)

        return Subscription(self, self._native.subscribe_status(deliver))

    async def changes(
        self,
        *,
        collection: Optional[str] = None,
        prefix: Optional[str] = None,
        key: Optional[str] = None,
        every_write: bool = False,
        max_pending: int = 10_000,
    ) -> AsyncIterator[ChangeBatch]:
        """``async for batch in client.changes(...)``: the batches on_change would get,
        from the moment iteration starts. Ends when the client closes; leaving the loop
        unsubscribes. If more than ``max_pending`` batches wait unread, the batches
        before the gap are delivered, then ChangesOverflowError is raised."""
        queue = ChangeQueue(asyncio.get_running_loop(), max_pending)
        subscription = self._subscribe(
            lambda revision, reset, pairs: queue.push_threadsafe(batch_from_native(revision, reset, pairs)),
            collection,
            prefix,
            key,
            every_write,
        )
        self._queues.add(queue)
        try:
            while True:
                batch = await queue.get()
                if batch is None:
                    return
                yield batch
        finally:
            self._queues.discard(queue)
            subscription.cancel()

    def _subscribe(
        self,
        deliver: Callable[[int, bool, NativePairs], None],
        collection: Optional[str],
        prefix: Optional[str],
        key: Optional[str],
        every_write: bool,
    ) -> Subscription:
        sub_id = self._native.subscribe(
            deliver, collection=collection, prefix=prefix, key=key, every_write=bool(every_write)
        )
        return Subscription(self, sub_id)

    # ---- offline cache -------------------------------------------------------------

    def wipe_cache(self) -> None:
        """Removes this client's offline cache file (and temporary files of interrupted
        writes). The replica and reads are untouched. The file is not written again for
        the state the replica holds now, only after its next change, and never once the
        client is closed: close, then wipe, to be rid of it. Works after close().
        InvalidArgumentError without a cache_path; LocalFileError when a file is there but
        cannot be removed. Waits (without the GIL) for a cache write in progress."""
        self._native.wipe_cache()
