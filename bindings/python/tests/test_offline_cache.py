"""Guarantee 6 of the README (a corrupt offline cache) in Python: a damaged, foreign or unwritable offline cache file never
stops a client (a warning, an empty start, a resync), and hotstate.wipe_cache /
Client.wipe_cache remove the file."""

from __future__ import annotations

import pathlib
import time
from typing import Callable

import pytest

import hotstate

from conftest import WAIT, Server, open_client


def eventually(done: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + WAIT
    while not done():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


def cache_client(url: str, collection: str, cache: pathlib.Path) -> hotstate.Client:
    return open_client(url, [collection], cache_path=cache, cache_interval=0.02)


def write_good_cache(url: str, collection: str, cache: pathlib.Path, values: dict[str, object]) -> None:
    with cache_client(url, collection, cache) as c:
        c.wait_ready(timeout=WAIT)
        for key, value in values.items():
            c.wait_for_revision(c.put(collection, key, value), timeout=WAIT)


@pytest.mark.parametrize("cut", [0, 5, 12, 30, -1], ids=["empty", "in-magic", "in-length", "in-payload", "last-byte"])
def test_a_truncated_cache_is_ignored_with_a_warning_then_rewritten(  # type: ignore[no-untyped-def]
    own_server: Server, collection: str, tmp_path, capfd, cut: int
) -> None:
    # Catches: a cut file that crashes or blocks the start, is served, is ignored without
    # a warning naming it, or is never replaced by a good one.
    cache = tmp_path / "replica.cache"
    write_good_cache(own_server.url, collection, cache, {"a": 1})
    good = cache.read_bytes()
    cache.write_bytes(good[:cut] if cut >= 0 else good[:-1])
    own_server.stop()  # at start only the file could answer
    capfd.readouterr()

    with cache_client(own_server.url, collection, cache) as c:
        status = c.status()
        assert status.source is hotstate.DataSource.NONE
        assert c.get(collection, "a") is None
        # last_error said so at start too, but the first refused connection may already have
        # replaced it (it is the last error): the warning is the lasting record.
        expected = "the file is empty" if cut == 0 else "truncated"
        assert f"hotstate: ignoring offline cache {cache}: {expected}" in capfd.readouterr().err

        own_server.start()  # same port, a new (empty) history
        c.wait_ready(timeout=WAIT)
        c.wait_for_revision(c.put(collection, "b", 2), timeout=WAIT)
        assert c.status().source is hotstate.DataSource.SERVER
        assert c.get(collection, "b") == 2
    own_server.stop()
    with cache_client(own_server.url, collection, cache) as offline:
        assert offline.status().source is hotstate.DataSource.CACHE, "a good file replaced the bad one"
        assert offline.get(collection, "b") == 2


def test_a_flipped_byte_is_a_checksum_mismatch(server: Server, collection: str, tmp_path, capfd) -> None:  # type: ignore[no-untyped-def]
    cache = tmp_path / "replica.cache"
    write_good_cache(server.url, collection, cache, {"a": 1})
    damaged = bytearray(cache.read_bytes())
    damaged[len(damaged) // 2] ^= 0x01
    cache.write_bytes(bytes(damaged))
    with cache_client(server.url, collection, cache) as c:
        c.wait_ready(timeout=WAIT)
        assert c.get(collection, "a") == 1
        assert "checksum mismatch" in capfd.readouterr().err


def test_a_cache_of_another_history_is_served_offline_then_replaced_whole(  # type: ignore[no-untyped-def]
    server: Server, own_server: Server, collection: str, tmp_path, capfd
) -> None:
    # Catches: a foreign file's keys surviving the sync, or the swap going unreported
    # (no reset in status or change batches, no warning).
    cache = tmp_path / "replica.cache"
    write_good_cache(server.url, collection, cache, {"foreign": "theirs"})
    own_server.stop()
    with cache_client(own_server.url, collection, cache) as c:
        resets: list[bool] = []
        c.on_change(lambda batch: resets.append(batch.reset))
        assert c.status().source is hotstate.DataSource.CACHE
        assert c.get(collection, "foreign") == "theirs", "served while no server answers"

        own_server.start()
        c.put(collection, "ours", 1)
        # Not wait_for_revision: the foreign file's revision may already be as high.
        assert eventually(lambda: c.get(collection, "ours") == 1)
        # The status follows the published replica by a moment (its own lock).
        assert eventually(lambda: c.status().resets >= 1)
        status = c.status()
        assert c.get(collection, "foreign") is None
        assert c.get(collection, "ours") == 1
        assert status.resets == 1
        assert "belonged to another history" in status.last_error
        assert eventually(lambda: bool(resets))
        assert resets[0] is True
        assert f"offline cache {cache} belonged to another history" in capfd.readouterr().err


def test_an_unwritable_cache_path_warns_once_and_reads_go_on(  # type: ignore[no-untyped-def]
    server: Server, collection: str, tmp_path, capfd
) -> None:
    # A regular file where the cache's directory should be: unwritable even for root.
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file")
    with cache_client(server.url, collection, blocker / "replica.cache") as c:
        c.wait_ready(timeout=WAIT)
        for i in range(5):
            c.wait_for_revision(c.put(collection, "n", i), timeout=WAIT)
            time.sleep(0.06)  # a few cache intervals, each a new attempt
            assert c.get(collection, "n") == i
        assert eventually(lambda: "offline cache not written" in c.status().last_error)
    assert capfd.readouterr().err.count("offline cache not written") == 1


def test_wipe_cache_removes_the_file_and_leftovers(server: Server, collection: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cache = tmp_path / "replica.cache"
    write_good_cache(server.url, collection, cache, {"a": 1})
    leftover = tmp_path / "replica.cache.tmp.31337"
    leftover.write_bytes(b"an interrupted write")
    hotstate.wipe_cache(cache)  # os.PathLike
    assert not cache.exists() and not leftover.exists()
    hotstate.wipe_cache(str(cache))  # nothing to remove
    with pytest.raises(hotstate.InvalidArgumentError):
        hotstate.wipe_cache("")
    cache.mkdir()
    with pytest.raises(hotstate.LocalFileError) as error:
        hotstate.wipe_cache(cache)
    assert isinstance(error.value, OSError)
    assert str(cache) in str(error.value)
    assert cache.is_dir()


def test_client_wipe_cache_is_not_undone_by_close(server: Server, collection: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Catches: close() writing the wiped state back. The interval is long, so the file is
    # behind the replica when it is wiped, as it mostly is in production.
    cache = tmp_path / "replica.cache"
    write_good_cache(server.url, collection, cache, {"a": 1})
    c = open_client(server.url, [collection], cache_path=cache, cache_interval=3600)
    c.wait_ready(timeout=WAIT)
    c.wait_for_revision(c.put(collection, "moved", "on"), timeout=WAIT)
    assert cache.exists()
    c.wipe_cache()
    assert not cache.exists()
    assert c.get(collection, "a") == 1, "the replica is untouched"
    c.close()  # unchanged since the wipe: not written back
    assert not cache.exists()
    c.wipe_cache()  # after close too
    with open_client(server.url, [collection]) as without:
        with pytest.raises(hotstate.InvalidArgumentError):
            without.wipe_cache()
