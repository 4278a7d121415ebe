"""Subscription: what on_change, on_status and on_flag_change return."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from ._client import Client


class Subscription:
    """A callback registration; ``cancel()`` (or leaving its ``with`` block) ends it.
    After cancel() returns the callback is not running and will not run again."""

    def __init__(self, client: "Client", sub_id: int) -> None:
        self._client = client
        self._id: Optional[int] = sub_id

    def cancel(self) -> None:
        if self._id is None:
            return
        sub_id, self._id = self._id, None
        if not self._client.closed:
            self._client._native.unsubscribe(sub_id)

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()
