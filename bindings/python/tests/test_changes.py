"""Change callbacks and the asyncio iterator."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading

import pytest

import hotstate
from conftest import WAIT


def collect(client: hotstate.Client, **filters: object) -> tuple["queue.Queue[hotstate.ChangeBatch]", hotstate.Subscription]:
    batches: "queue.Queue[hotstate.ChangeBatch]" = queue.Queue()
    return batches, client.on_change(batches.put, **filters)  # type: ignore[arg-type]


def next_batch(batches: "queue.Queue[hotstate.ChangeBatch]") -> hotstate.ChangeBatch:
    return batches.get(timeout=WAIT)


def test_callback_gets_old_and_new_after_the_transaction(client: hotstate.Client, collection: str) -> None:
    batches, sub = collect(client, collection=collection)
    seen_in_callback: list[object] = []
    client.on_change(lambda b: seen_in_callback.append(client.get(collection, "b")), collection=collection)
    r1 = client.put(collection, "a", {"v": 1})
    batch = next_batch(batches)
    assert batch.revision == r1 and not batch.reset and len(batch) == 1
    (change,) = batch
    assert (change.collection, change.key, change.old, change.new) == (collection, "a", None, {"v": 1})
    assert change.created and not change.deleted and change.new_record.mod_revision == r1

    r2 = client.txn([hotstate.Put(collection, "a", {"v": 2}), hotstate.Put(collection, "b", "B")])
    batch = next_batch(batches)
    assert batch.revision == r2
    assert sorted((c.key, c.old, c.new) for c in batch) == [("a", {"v": 1}, {"v": 2}), ("b", None, "B")]
    client.wait_for_revision(r2, timeout=WAIT)

    client.delete(collection, "a")
    (change,) = next_batch(batches)
    assert change.deleted and change.old == {"v": 2} and change.new is None
    sub.cancel()
    # The second callback read "b" from inside a callback: the whole txn was applied.
    assert seen_in_callback[1] == "B"


def test_filters(client: hotstate.Client, collection: str) -> None:
    by_key, s1 = collect(client, collection=collection, key="flag")
    by_prefix, s2 = collect(client, collection=collection, prefix="user/")
    client.put(collection, "other", 1)
    client.put(collection, "user/1", 1)
    client.put(collection, "flag", True)
    assert [c.key for c in next_batch(by_prefix)] == ["user/1"]
    assert [c.key for c in next_batch(by_key)] == ["flag"]
    assert by_key.empty() and by_prefix.empty()
    s1.cancel()
    s2.cancel()


def test_identical_writes_fire_only_with_every_write(client: hotstate.Client, collection: str) -> None:
    changed, s1 = collect(client, collection=collection)
    every, s2 = collect(client, collection=collection, every_write=True)
    client.put(collection, "same", 1)
    client.put(collection, "same", 1)
    last = client.put(collection, "same", 2)
    assert [b.revision for b in (next_batch(every), next_batch(every), next_batch(every))][-1] == last
    assert next_batch(changed).changes[0].new == 1
    assert next_batch(changed).revision == last  # the identical write was skipped
    s1.cancel()
    s2.cancel()


def test_a_raising_callback_is_logged_and_the_client_carries_on(
    client: hotstate.Client, collection: str, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(batch: hotstate.ChangeBatch) -> None:
        raise RuntimeError("user bug")

    client.on_change(boom, collection=collection)
    batches, _ = collect(client, collection=collection)
    with caplog.at_level(logging.ERROR, logger="hotstate"):
        client.put(collection, "k", 1)
        next_batch(batches)
        client.put(collection, "k", 2)
        assert next_batch(batches).changes[0].new == 2
    assert "user bug" in caplog.text
    assert client.status().state is hotstate.LinkState.LIVE


def test_cancel_stops_delivery(client: hotstate.Client, collection: str) -> None:
    batches, sub = collect(client, collection=collection)
    client.put(collection, "k", 1)
    next_batch(batches)
    sub.cancel()
    sub.cancel()  # idempotent
    client.wait_for_revision(client.put(collection, "k", 2), timeout=WAIT)
    marker, _ = collect(client, collection=collection)
    client.put(collection, "k", 3)
    next_batch(marker)  # later writes were delivered elsewhere...
    assert batches.empty()  # ...but not to the cancelled subscription
    with pytest.raises(TypeError):
        client.on_change("not callable", collection=collection)  # type: ignore[arg-type]


def test_close_from_inside_a_callback(server, collection: str) -> None:  # type: ignore[no-untyped-def]
    from conftest import open_client

    c = open_client(server.url, [collection])
    c.wait_ready(timeout=WAIT)
    closed = threading.Event()

    def close_me(batch: hotstate.ChangeBatch) -> None:
        c.close()
        closed.set()

    c.on_change(close_me, collection=collection)
    c.put(collection, "k", 1)
    assert closed.wait(WAIT)
    assert c.closed and c.status().state is hotstate.LinkState.CLOSED
    with pytest.raises(hotstate.ClosedError):
        c.get(collection, "k")


def test_status_callback(server, collection: str) -> None:  # type: ignore[no-untyped-def]
    from conftest import open_client

    states: "queue.Queue[hotstate.Status]" = queue.Queue()
    c = open_client(server.url, [collection])
    try:
        c.on_status(states.put)
        c.wait_ready(timeout=WAIT)
        c.reconnect_now()
        seen = set()
        while hotstate.LinkState.LIVE not in seen or len(seen) < 2:
            seen.add(states.get(timeout=WAIT).state)
        assert isinstance(next(iter(seen)), hotstate.LinkState)
    finally:
        c.close()


def test_async_iterator(client: hotstate.Client, collection: str) -> None:
    async def main() -> list[tuple[str, object]]:
        got: list[tuple[str, object]] = []
        loop = asyncio.get_running_loop()

        async def consume() -> None:
            async for batch in client.changes(collection=collection, prefix="p/"):
                got.extend((c.key, c.new) for c in batch)
                if len(got) == 3:
                    break

        task = asyncio.create_task(consume())
        await asyncio.sleep(0.05)  # the iterator subscribes when iteration starts
        for i in range(3):
            await loop.run_in_executor(None, client.put, collection, f"p/{i}", i)
            await loop.run_in_executor(None, client.put, collection, f"q/{i}", i)
        await asyncio.wait_for(task, WAIT)
        return got

    assert asyncio.run(main()) == [("p/0", 0), ("p/1", 1), ("p/2", 2)]


def test_async_iterator_ends_when_the_client_closes(server, collection: str) -> None:  # type: ignore[no-untyped-def]
    from conftest import open_client

    c = open_client(server.url, [collection])
    c.wait_ready(timeout=WAIT)

    async def main() -> int:
        count = 0

        async def consume() -> None:
            nonlocal count
            async for _ in c.changes(collection=collection):
                count += 1

        task = asyncio.create_task(consume())
        await asyncio.sleep(0.05)
        await asyncio.get_running_loop().run_in_executor(None, c.put, collection, "k", 1)
        while count == 0:
            await asyncio.sleep(0.01)
        c.close()
        await asyncio.wait_for(task, WAIT)  # ends instead of waiting forever
        return count

    assert asyncio.run(main()) == 1


def test_async_iterator_overflow(client: hotstate.Client, collection: str) -> None:
    async def main() -> tuple[int, bool]:
        stream = client.changes(collection=collection, max_pending=2).__aiter__()
        first = asyncio.ensure_future(stream.__anext__())
        await asyncio.sleep(0.05)
        loop = asyncio.get_running_loop()
        revision = 0
        for i in range(6):
            revision = await loop.run_in_executor(None, client.put, collection, "k", i)
        await loop.run_in_executor(None, client.wait_for_revision, revision, WAIT)
        await asyncio.sleep(0.2)  # the callback thread hands the batches to this loop
        delivered = 1 if (await first) else 0
        overflowed = False
        try:
            while True:
                await asyncio.wait_for(stream.__anext__(), WAIT)
                delivered += 1
        except hotstate.ChangesOverflowError:
            overflowed = True
        await stream.aclose()
        return delivered, overflowed

    delivered, overflowed = asyncio.run(main())
    assert overflowed and delivered == 3  # the first batch, then the two that fitted
