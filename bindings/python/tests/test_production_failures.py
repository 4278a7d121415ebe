"""Production failures of similar systems (DESIGN.md, "What users of similar systems were
burned by"), seen from Python. Typed reads, change callbacks and interpreter exit are in
test_values.py, test_changes.py and test_lifecycle.py; this file adds what they lack."""

from __future__ import annotations

import time
import urllib.request

import pytest

import hotstate
from conftest import WAIT, Server, open_client


def metric(server: Server, name: str) -> float:
    with urllib.request.urlopen(f"{server.url}/metrics", timeout=WAIT) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return 0.0


def test_reconnect_now_is_at_once_and_resumes_without_a_snapshot(own_server: Server, collection: str) -> None:
    """Catches a reconnect_now() that sits out the backoff (up to 1 h here; the test waits 10 s) before the new
    attempt, and a reconnect that reloads a snapshot instead of resuming by revision."""
    c = open_client(own_server.url, [collection], backoff=(3600.0, 3600.0), stale_after=3600.0)
    try:
        c.wait_ready(timeout=WAIT)
        for i in range(20):
            revision = c.put(collection, f"k{i}", i)
        c.wait_for_revision(revision, timeout=WAIT)
        snapshots = metric(own_server, "hotstate_snapshots_total")
        connects = c.status().connects
        asked = time.monotonic()
        c.reconnect_now()
        deadline = asked + WAIT
        while time.monotonic() < deadline:
            status = c.status()
            if status.connects > connects and status.state is hotstate.LinkState.LIVE:
                break
            time.sleep(0.01)
        print(f"[figure] python reconnect_now: live again after {(time.monotonic() - asked) * 1000:.0f} ms")
        status = c.status()
        assert status.connects == connects + 1 and status.state is hotstate.LinkState.LIVE
        assert status.resets == 0
        assert metric(own_server, "hotstate_snapshots_total") == snapshots, "the reconnect must resume"
        assert metric(own_server, "hotstate_catchups_total") >= 1
        c.wait_for_revision(c.put(collection, "after", 1), timeout=WAIT)
        assert c.get(collection, "k7") == 7 and c.get(collection, "after") == 1
    finally:
        c.close()


@pytest.mark.parametrize(
    ("reader", "key"),
    [("get_bool", "n"), ("get_int", "s"), ("get_float", "s"), ("get_str", "b"), ("get_float", "null")],
)
def test_typed_reads_never_default_on_a_wrong_type(client: hotstate.Client, collection: str, reader: str,
                                                   key: str) -> None:
    """Catches a typed read that returns the caller's default (or a zero value) for a value
    of another type, instead of TypeMismatchError; absent keys are NotFoundError."""
    for k, v in {"b": True, "n": 3, "s": "text", "null": None}.items():
        revision = client.put(collection, k, v)
    client.wait_for_revision(revision, timeout=WAIT)
    read = getattr(client, reader)
    with pytest.raises(hotstate.TypeMismatchError):
        read(collection, key)
    with pytest.raises(hotstate.TypeMismatchError):
        read(collection, key, default=None)
    with pytest.raises(hotstate.NotFoundError):
        read(collection, "absent")
    assert read(collection, "absent", default="given") == "given"
