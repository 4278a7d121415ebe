"""Change notifications: what a callback or an async iterator receives."""

from __future__ import annotations

import asyncio
import collections
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple

from . import _native
from ._errors import ChangesOverflowError


@dataclass(frozen=True)
class Change:
    """One record's change within a transaction. ``old``/``new`` are None when the
    record was absent on that side (created / deleted); the records give revisions."""

    collection: str
    key: str
    old: Any
    new: Any
    old_record: Optional[_native.Record] = field(repr=False)
    new_record: Optional[_native.Record] = field(repr=False)

    @property
    def created(self) -> bool:
        return self.old_record is None

    @property
    def deleted(self) -> bool:
        return self.new_record is None


@dataclass(frozen=True)
class ChangeBatch:
    """The changes of one transaction (or of a reset: the replica was replaced by a new
    snapshot and these are the differences), delivered after the replica applied them."""

    revision: int
    reset: bool
    changes: Sequence[Change]

    def __iter__(self) -> Iterator[Change]:
        return iter(self.changes)

    def __len__(self) -> int:
        return len(self.changes)


# What the native callback passes: (before, after) records, None on an absent side.
NativePairs = List[Tuple[Optional[_native.Record], Optional[_native.Record]]]


def batch_from_native(revision: int, reset: bool, pairs: NativePairs) -> ChangeBatch:
    changes = []
    for before, after in pairs:
        either = after if after is not None else before
        assert either is not None  # a change has at least one side
        changes.append(
            Change(
                collection=either.collection,
                key=either.key,
                old=None if before is None else before.value,
                new=None if after is None else after.value,
                old_record=before,
                new_record=after,
            )
        )
    return ChangeBatch(revision, reset, tuple(changes))


class ChangeQueue:
    """Hands batches from the client's callback thread to one asyncio event loop, keeping
    at most ``max_pending``; past that the consumer gets ChangesOverflowError (re-read the
    state you care about, then iterate again)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, max_pending: int) -> None:
        if max_pending < 1:
            raise ValueError("max_pending must be at least 1")
        self._loop = loop
        self._max_pending = max_pending
        self._pending: collections.deque[ChangeBatch] = collections.deque()
        self._overflowed = False
        self._finished = False
        self._waiter: Optional[asyncio.Future[None]] = None

    def push_threadsafe(self, batch: ChangeBatch) -> None:
        """Called on the callback thread."""
        if not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self._push, batch)
            except RuntimeError:  # the loop closed meanwhile: nobody is listening
                pass

    def finish_threadsafe(self) -> None:
        """No more batches will come (the client closed): get() returns None when drained."""
        if not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self._finish)
            except RuntimeError:
                pass

    def _push(self, batch: ChangeBatch) -> None:
        if len(self._pending) >= self._max_pending:
            self._overflowed = True
        else:
            self._pending.append(batch)
        self._wake()

    def _finish(self) -> None:
        self._finished = True
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def get(self) -> Optional[ChangeBatch]:
        """The next batch; None once the client closed and everything was delivered."""
        while not self._pending:
            if self._overflowed:
                break
            if self._finished:
                return None
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        if self._pending:
            return self._pending.popleft()
        raise ChangesOverflowError(
            f"more than {self._max_pending} change batches were waiting; the iterator fell behind"
        )


ChangeCallback = Callable[[ChangeBatch], Any]
