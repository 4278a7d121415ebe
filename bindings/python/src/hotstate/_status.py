"""What a client knows about its link and its replica (hs_client_status)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Mapping, Optional


class LinkState(str, enum.Enum):
    """The link to the server. Reads answer from the replica in every state."""

    CONNECTING = "connecting"
    SYNCING = "syncing"
    LIVE = "live"
    STALE = "stale"  # connected, but nothing heard within the stale timeout
    OFFLINE = "offline"  # not connected; reads answer from the last state
    CLOSED = "closed"


class DataSource(str, enum.Enum):
    """Where the replica's data came from."""

    NONE = "none"
    CACHE = "cache"  # the offline cache file, not yet confirmed by a server
    SERVER = "server"


_STATES = list(LinkState)
_SOURCES = list(DataSource)


@dataclass(frozen=True)
class Status:
    state: LinkState
    source: DataSource
    epoch: int
    revision: int  # the replica's revision
    server_revision: int  # the latest revision the server reported
    since_last_contact: Optional[float]  # seconds; None if no server was ever heard
    connects: int
    reconnect_attempts: int
    resets: int  # snapshots that replaced the replica after it was first loaded
    keys: int
    bytes: int
    last_error: str
    flag_errors: int  # flags of the flag collections that do not compile (Client.flag_problems())

    @property
    def live(self) -> bool:
        return self.state is LinkState.LIVE

    @property
    def revision_lag(self) -> int:
        """How many revisions the replica is behind the latest one the server reported."""
        return max(0, self.server_revision - self.revision)

    @classmethod
    def from_native(cls, raw: Mapping[str, Any]) -> "Status":
        since = raw["since_last_contact_ms"]
        return cls(
            state=_STATES[raw["state"]],
            source=_SOURCES[raw["source"]],
            epoch=raw["epoch"],
            revision=raw["revision"],
            server_revision=raw["server_revision"],
            since_last_contact=None if since is None else since / 1000.0,
            connects=raw["connects"],
            reconnect_attempts=raw["reconnect_attempts"],
            resets=raw["resets"],
            keys=raw["keys"],
            bytes=raw["bytes"],
            last_error=raw["last_error"],
            flag_errors=raw["flag_errors"],
        )
