"""Flag listeners (on_flag_change) and evaluations from many threads at once."""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from typing import Iterator

import pytest

import hotstate
from conftest import WAIT, Server
from flag_data import FlagWorld

FREE_ACCOUNT = {"account": {"plan": "free", "seats": 1}}


@pytest.fixture
def world(server: Server) -> Iterator[FlagWorld]:
    w = FlagWorld(server.url).load()
    yield w
    w.client.close()


def listen(world: FlagWorld, key: str, context: object) -> tuple["queue.Queue[hotstate.Evaluation]", hotstate.Subscription]:
    heard: "queue.Queue[hotstate.Evaluation]" = queue.Queue()
    return heard, world.client.on_flag_change(world.flags, key, heard.put, context=context)  # type: ignore[arg-type]


def settle(world: FlagWorld) -> None:
    """Returns once every callback for writes so far has run: a marker write's change
    callback runs after them (callbacks run in revision order, one at a time)."""
    done = threading.Event()
    with world.client.on_change(lambda batch: done.set(), collection=world.plans, key="marker"):
        world.put(world.plans, "marker", uuid.uuid4().hex)
        assert done.wait(WAIT)


def test_a_listener_fires_only_when_the_result_for_its_context_changes(world: FlagWorld) -> None:
    heard, sub = listen(world, "sso", FREE_ACCOUNT)
    # Unrelated writes: another flag, a plan this account is not on, the same plan value again,
    # a plan change that leaves the result as it was.
    world.put(world.flags, "banner", {"state": "ENABLED", "variants": {"x": "x"}, "defaultVariant": "x"})
    world.put(world.plans, "enterprise", {"features": {"sso": False}, "limits": {"seats": 9}})
    world.put(world.plans, "free", {"features": {"sso": False}, "limits": {"seats": 3}})
    world.put(world.plans, "free", {"features": {"sso": False}, "limits": {"seats": 4}})
    settle(world)
    assert heard.empty()

    world.put(world.plans, "free", {"features": {"sso": True}, "limits": {"seats": 4}})  # the plan gains SSO
    on = heard.get(timeout=WAIT)
    assert isinstance(on, hotstate.Evaluation)
    assert (on.value, on.variant, on.reason, on.error_code) == (True, "on", hotstate.Reason.TARGETING_MATCH, None)
    world.put(world.flags, "sso", {"state": "ENABLED", "variants": {"on": True, "off": False}, "defaultVariant": "off"})
    off = heard.get(timeout=WAIT)
    assert (off.value, off.variant, off.reason) == (False, "off", hotstate.Reason.STATIC)
    world.client.delete(world.flags, "sso")
    gone = heard.get(timeout=WAIT)
    assert (gone.value, gone.variant, gone.error_code) == (None, None, hotstate.ErrorCode.FLAG_NOT_FOUND)
    sub.cancel()
    world.put(world.flags, "sso", {"state": "ENABLED", "variants": {"on": True}, "defaultVariant": "on"})
    settle(world)
    assert heard.empty(), "nothing after cancel()"


def test_a_listener_with_a_prebuilt_context_and_a_subscription_as_context_manager(world: FlagWorld) -> None:
    heard: "queue.Queue[hotstate.Evaluation]" = queue.Queue()
    user = hotstate.EvalContext("ann", email="ann@example.com")
    with world.client.on_flag_change(world.flags, "new-checkout", heard.put, user):
        user.set("email", "changed@other.org")  # the subscription copied the context
        world.put(world.flags, "new-checkout", {"state": "ENABLED", "variants": {"on": True, "off": False},
                                                "defaultVariant": "off", "metadata": {"owner": "x"}})
        e = heard.get(timeout=WAIT)
        assert (e.value, e.reason, e.metadata) == (False, hotstate.Reason.STATIC, {"owner": "x"})
    world.put(world.flags, "new-checkout", {"state": "DISABLED", "variants": {"on": True}, "defaultVariant": "on"})
    settle(world)
    assert heard.empty()


def test_a_raising_listener_is_logged_and_the_client_carries_on(
    world: FlagWorld, caplog: pytest.LogCaptureFixture
) -> None:
    heard, _ = listen(world, "banner", None)

    def boom(evaluation: hotstate.Evaluation) -> None:
        raise RuntimeError("user bug")

    world.client.on_flag_change(world.flags, "banner", boom)
    with caplog.at_level(logging.ERROR, logger="hotstate"):
        world.put(world.flags, "banner", {"state": "ENABLED", "variants": {"x": "x"}, "defaultVariant": "x"})
        assert heard.get(timeout=WAIT).value == "x"
        settle(world)
    assert any("flag callback" in r.getMessage() and r.exc_info for r in caplog.records)


def test_a_listener_may_evaluate_and_close_the_client(world: FlagWorld) -> None:
    seen: "queue.Queue[object]" = queue.Queue()

    def on_change(evaluation: hotstate.Evaluation) -> None:
        seen.put(world.client.evaluate_string(world.flags, "banner", "?"))
        world.client.close()
        seen.put(world.client.closed)

    world.client.on_flag_change(world.flags, "banner", on_change)
    world.client.put(world.flags, "banner", {"state": "ENABLED", "variants": {"x": "x"}, "defaultVariant": "x"})
    assert seen.get(timeout=WAIT) == "x" and seen.get(timeout=WAIT) is True


def test_on_flag_change_arguments(world: FlagWorld) -> None:
    with pytest.raises(TypeError, match="callable"):
        world.client.on_flag_change(world.flags, "banner", "nope")  # type: ignore[arg-type]
    world.client.close()
    with pytest.raises(hotstate.ClosedError):
        world.client.on_flag_change(world.flags, "banner", lambda e: None)


def test_concurrent_evaluations_from_many_threads_agree(world: FlagWorld) -> None:
    c, f = world.client, world.flags
    users = [{"targetingKey": f"user-{i}", "email": f"u{i}@example.com", "country": "de", "age": 20 + i % 5}
             for i in range(100)]
    expected = [c.evaluate_bool(f, "checkout-v3", False, u) for u in users]
    assert True in expected and False in expected, "the rollout splits these users"
    prebuilt = [hotstate.EvalContext.from_dict(u) for u in users]
    failures: list[str] = []
    start = threading.Barrier(8)

    def work(worker: int) -> None:
        start.wait()
        for round_ in range(50):
            for i, user in enumerate(users):
                context = prebuilt[i] if (i + worker + round_) % 2 else user
                got = c.evaluate_bool(f, "checkout-v3", not expected[i], context)
                details = c.evaluate(f, "checkout-v3", context)
                if got is not expected[i] or details.value is not expected[i]:
                    failures.append(f"worker {worker}: user {i} got {got}/{details.value}")
                    return

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    # Writes to the replica while the threads evaluate: a plan change and another flag.
    for i in range(20):
        world.client.put(world.plans, "free", {"features": {"sso": i % 2 == 0}, "limits": {"seats": i}})
    for t in threads:
        t.join()
    assert failures == []
