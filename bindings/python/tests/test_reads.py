"""Local reads: get, view, scan, snapshots, and the errors for bad arguments."""

from __future__ import annotations

import threading

import pytest

import hotstate
from conftest import WAIT


def test_get_default_and_absent(client: hotstate.Client, collection: str) -> None:
    assert client.get(collection, "absent") is None
    assert client.get(collection, "absent", "fallback") == "fallback"
    assert client.get(collection, "absent", default=0) == 0
    assert client.view(collection, "absent") is None
    # A collection the client did not select is simply not in the replica.
    assert client.get("other_collection", "k", default="x") == "x"


def test_scan_is_sorted_and_prefixed(client: hotstate.Client, collection: str) -> None:
    keys = ["user/2", "user/10", "user/1", "users", "team/1"]
    for k in keys:
        client.put(collection, k, k)
    client.wait_for_revision(client.put(collection, "zz", 0), timeout=WAIT)
    assert [r.key for r in client.scan(collection, "user/")] == ["user/1", "user/10", "user/2"]
    assert [r.key for r in client.scan(collection)] == sorted(keys + ["zz"])
    assert [r.value for r in client.scan(collection, "team/")] == ["team/1"]
    assert list(client.scan(collection, "nothing/")) == []


def test_snapshot_pins_one_revision(client: hotstate.Client, collection: str) -> None:
    client.wait_for_revision(client.put(collection, "a", 1), timeout=WAIT)
    with client.snapshot() as snap:
        pinned = snap.revision
        assert snap.get(collection, "a") == 1
        client.wait_for_revision(client.put(collection, "a", 2), timeout=WAIT)
        client.wait_for_revision(client.put(collection, "b", 3), timeout=WAIT)
        assert client.get(collection, "a") == 2
        assert snap.get(collection, "a") == 1  # still the pinned state
        assert snap.get(collection, "b", "absent") == "absent"
        assert snap.view(collection, "a").mod_revision <= pinned
        assert [r.key for r in snap.scan(collection)] == ["a"]
        kept = snap.view(collection, "a")
    assert kept.value == 1  # records outlive their snapshot
    with pytest.raises(hotstate.ClosedError):
        snap.get(collection, "a")


@pytest.mark.parametrize(
    "collection_arg, key_arg, error",
    [
        ("Not A Collection!", "k", hotstate.InvalidArgumentError),
        ("", "k", hotstate.InvalidArgumentError),
        ("ok", "", hotstate.InvalidArgumentError),
        ("ok", "x" * 1025, hotstate.InvalidArgumentError),
        ("nul\x00inside", "k", hotstate.InvalidArgumentError),
        (None, "k", TypeError),
        ("ok", 5, TypeError),
        ("ok", b"bytes", TypeError),
    ],
)
def test_bad_arguments_are_clear_errors(client: hotstate.Client, collection_arg: object, key_arg: object,
                                        error: type) -> None:
    with pytest.raises(error):
        client.get(collection_arg, key_arg)  # type: ignore[arg-type]
    with pytest.raises(error):
        client.view(collection_arg, key_arg)  # type: ignore[arg-type]
    with pytest.raises(error):
        client.put(collection_arg, key_arg, 1)  # type: ignore[arg-type]


def test_invalid_argument_message_names_the_problem(client: hotstate.Client) -> None:
    with pytest.raises(hotstate.InvalidArgumentError, match="collection") as info:
        client.get("Bad Name", "k")
    assert isinstance(info.value, ValueError)  # also a ValueError
    assert info.value.status == "HS_ERR_INVALID_ARGUMENT"


def test_concurrent_readers_see_only_whole_values(client: hotstate.Client, collection: str) -> None:
    """Reader threads run while a writer replaces a multi-field record; every read sees
    one whole version (the fields agree) and versions never go backwards."""
    client.wait_for_revision(client.put(collection, "pair", {"a": 0, "b": 0}), timeout=WAIT)
    stop = threading.Event()
    problems: list[str] = []
    reads = [0, 0, 0, 0]

    def reader(slot: int) -> None:
        last = -1
        while not stop.is_set():
            v = client.get(collection, "pair")
            if v["a"] != v["b"]:
                problems.append(f"torn read {v}")
            if v["a"] < last:
                problems.append(f"went back from {last} to {v['a']}")
            last = v["a"]
            reads[slot] += 1

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    revision = 0
    for i in range(1, 201):
        revision = client.put(collection, "pair", {"a": i, "b": i})
    client.wait_for_revision(revision, timeout=WAIT)
    stop.set()
    for t in threads:
        t.join()
    assert problems == []
    assert all(n > 0 for n in reads)
    assert client.get(collection, "pair") == {"a": 200, "b": 200}
