"""Process life: open clients are closed at interpreter exit, and a client inherited
through fork() is retired in the child instead of hanging it.

A forked child has a copy of the client's memory but none of its threads (I/O,
callbacks), and locks that those threads held at the moment of fork() stay locked
forever. Touching such a client could hang the child, so in the child every call on it
raises ClosedError, and its native handle is deliberately never freed (freeing joins
threads that do not exist there). Open clients after fork (e.g. gunicorn's post_fork hook,
or lazily on first use in each worker).
"""

from __future__ import annotations

import atexit
import os
import weakref
from typing import Any, Protocol


class _Retirable(Protocol):
    def _close_at_exit(self) -> None: ...

    def _retire_after_fork(self) -> Any: ...


_open_clients: "weakref.WeakSet[_Retirable]" = weakref.WeakSet()
_inherited_handles: list[Any] = []  # native handles of forked-away clients: never freed


def track(client: _Retirable) -> None:
    _open_clients.add(client)


def untrack(client: _Retirable) -> None:
    _open_clients.discard(client)


@atexit.register
def _close_all_at_exit() -> None:
    # Before the interpreter finalizes: the client's callback thread must not try to take
    # the GIL of an interpreter that is going away.
    for client in list(_open_clients):
        client._close_at_exit()


def _after_fork_in_child() -> None:
    for client in list(_open_clients):
        _inherited_handles.append(client._retire_after_fork())
    _open_clients.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
