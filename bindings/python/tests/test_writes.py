"""Writes: put, delete, transactions, conditions, and what the server refuses."""

from __future__ import annotations

import pytest

import hotstate
from conftest import WAIT


def test_put_returns_increasing_revisions(client: hotstate.Client, collection: str) -> None:
    r1 = client.put(collection, "k", 1)
    r2 = client.put(collection, "k", 2)
    assert 0 < r1 < r2
    client.wait_for_revision(r2, timeout=WAIT)
    status = client.status()
    assert status.revision >= r2 and status.revision_lag >= 0 and status.live
    assert client.get(collection, "k") == 2


def test_delete(client: hotstate.Client, collection: str) -> None:
    client.wait_for_revision(client.put(collection, "gone", True), timeout=WAIT)
    client.wait_for_revision(client.delete(collection, "gone"), timeout=WAIT)
    assert client.get(collection, "gone") is None


def test_if_revision(client: hotstate.Client, collection: str) -> None:
    created = client.put(collection, "c", "v1", if_revision=0)  # only if absent
    with pytest.raises(hotstate.ConditionFailedError):
        client.put(collection, "c", "again", if_revision=0)
    with pytest.raises(hotstate.ConditionFailedError, match="condition"):
        client.put(collection, "c", "stale", if_revision=created + 1000)
    updated = client.put(collection, "c", "v2", if_revision=created)
    with pytest.raises(hotstate.ConditionFailedError):
        client.delete(collection, "c", if_revision=created)
    client.wait_for_revision(client.delete(collection, "c", if_revision=updated), timeout=WAIT)
    assert client.get(collection, "c") is None


def test_txn_is_all_or_nothing(client: hotstate.Client, collection: str) -> None:
    base = client.put(collection, "x", 1)
    revision = client.txn(
        [hotstate.Put(collection, "x", 2), hotstate.Put(collection, "y", [1]), hotstate.Delete(collection, "z")],
        conditions=[hotstate.IfRevision(collection, "x", base), hotstate.IfRevision(collection, "y", 0)],
    )
    client.wait_for_revision(revision, timeout=WAIT)
    assert client.get(collection, "x") == 2 and client.get(collection, "y") == [1]
    assert client.view(collection, "x").mod_revision == client.view(collection, "y").mod_revision == revision

    with pytest.raises(hotstate.ConditionFailedError):
        client.txn([hotstate.Put(collection, "x", 3), hotstate.Put(collection, "new", 1)],
                   conditions=[hotstate.IfRevision(collection, "x", base)])
    assert client.get(collection, "x") == 2 and client.get(collection, "new") is None


def test_txn_bad_input(client: hotstate.Client, collection: str) -> None:
    with pytest.raises(hotstate.InvalidArgumentError, match="duplicate"):
        client.txn([hotstate.Put(collection, "d", 1), hotstate.Delete(collection, "d")])
    with pytest.raises(hotstate.InvalidArgumentError):
        client.txn([("put", collection, "k", 1)])  # type: ignore[list-item]
    with pytest.raises(hotstate.InvalidArgumentError):
        client.txn([hotstate.Put(collection, 5, 1)])  # type: ignore[arg-type]
    with pytest.raises(hotstate.InvalidArgumentError):
        client.txn([hotstate.Put(collection, "k", float("nan"))])
    with pytest.raises(hotstate.InvalidArgumentError):
        client.txn([hotstate.Put(collection, "k", 1)], conditions=[hotstate.IfRevision(collection, "k", -1)])
    assert client.get(collection, "d") is None and client.get(collection, "k") is None


def test_oversize_value_is_refused_and_changes_nothing(client: hotstate.Client, collection: str) -> None:
    before = client.put(collection, "big", "small")
    with pytest.raises(hotstate.InvalidArgumentError, match="value_too_large|limit"):
        client.put(collection, "big", "x" * (2 * 1024 * 1024))  # over the server's 1 MiB default
    client.wait_for_revision(before, timeout=WAIT)
    assert client.get(collection, "big") == "small"


def test_writes_to_a_dead_server_raise_unavailable(collection: str) -> None:
    from conftest import free_port, open_client

    dead = open_client(f"http://127.0.0.1:{free_port()}", [collection], connect_timeout=0.5, request_timeout=1)
    try:
        with pytest.raises(hotstate.UnavailableError) as info:
            dead.put(collection, "k", 1)
        assert isinstance(info.value, ConnectionError)
        assert dead.get(collection, "k") is None  # reads still answer, from nothing
    finally:
        dead.close()
