"""Process life: open clients are closed at interpreter exit.

fork() needs nothing here: the native client handles it. A client opened before
os.fork() (gunicorn's pre-fork model) keeps working in the child: its first use there
serves the inherited replica at once and starts the child's own threads and connection,
resuming from the inherited revision (docs/python.md, "fork()").
"""

from __future__ import annotations

import atexit
import weakref
from typing import Protocol


class _Closable(Protocol):
    def _close_at_exit(self) -> None: ...


_open_clients: "weakref.WeakSet[_Closable]" = weakref.WeakSet()


def track(client: _Closable) -> None:
    _open_clients.add(client)


def untrack(client: _Closable) -> None:
    _open_clients.discard(client)


@atexit.register
def _close_all_at_exit() -> None:
    # Before the interpreter finalizes: the client's callback thread must not try to take
    # the GIL of an interpreter that is going away.
    for client in list(_open_clients):
        client._close_at_exit()
