"""Production failures of similar systems (docs/architecture.md, "Failures designed
against"), seen from Python. Typed reads, change callbacks and interpreter exit are in
test_values.py, test_changes.py and test_lifecycle.py; this file adds what they lack."""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request

import pytest

import hotstate
from conftest import HOTSTATED, WAIT, Server, open_client


def metric(server: Server, name: str) -> float:
    with urllib.request.urlopen(f"{server.url}/metrics", timeout=WAIT) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return 0.0


def wait_until(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_a_server_restored_from_an_older_copy_never_rolls_the_replica_back(tmp_path, collection: str) -> None:  # type: ignore[no-untyped-def]
    """Catches a replica that goes back in time when its server comes back from an older copy of its data
    directory (same epoch, lower revision), a status that does not say why it is not live, and a client that
    stops retrying; then `hotstated --renew-epoch` makes the restored state the one clients reset to."""
    data, backup = tmp_path / "data", tmp_path / "backup"
    server = Server(["--data-dir", str(data)])
    try:
        c = open_client(server.url, [collection])
        c.wait_ready(timeout=WAIT)
        c.wait_for_revision(c.put(collection, "a", 1), timeout=WAIT)
        server.stop()
        shutil.copytree(data, backup)  # the backup: "a" is 1
        server.start()
        c.wait_for_revision(c.put(collection, "a", 2), timeout=WAIT)
        newest = c.put(collection, "b", 1)
        c.wait_for_revision(newest, timeout=WAIT)
        epoch = c.status().epoch

        server.stop()
        shutil.rmtree(data)
        shutil.copytree(backup, data)
        server.start()
        wait_until(lambda: "server_behind" in c.status().last_error, "the refused resume in status()")
        reconnects = c.status().reconnect_attempts
        wait_until(lambda: c.status().reconnect_attempts >= reconnects + 2, "more attempts: it keeps retrying")
        status = c.status()
        assert status.state is not hotstate.LinkState.LIVE
        assert (status.epoch, status.revision, status.resets) == (epoch, newest, 0)
        assert status.server_revision < status.revision
        assert c.get(collection, "a") == 2 and c.get(collection, "b") == 1

        server.stop()
        renewed = subprocess.run([HOTSTATED, "--data-dir", str(data), "--renew-epoch"], capture_output=True,
                                 text=True, timeout=WAIT)
        assert renewed.returncode == 0, renewed.stderr
        server.start()
        wait_until(lambda: c.status().state is hotstate.LinkState.LIVE and c.status().epoch != epoch, "the reset")
        assert c.status().resets == 1
        assert c.get(collection, "a") == 1 and c.get(collection, "b") is None
        c.close()
    finally:
        server.stop()


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
