"""Flags evaluated locally from Python (docs/flags.md): typed values, details, OpenFeature's
reasons and error codes (each from the case that produces it), the caller's default on
every failure, the `record` operator, and the replica's freshness in the reason."""

from __future__ import annotations

import pathlib
import time
from typing import Iterator

import pytest

import hotstate
from conftest import WAIT, Server, stable_port
from flag_data import BROKEN, FlagWorld

ANN = {"targetingKey": "ann", "email": "ann@example.com", "plan": "pro"}
BOB = {"targetingKey": "bob", "email": "bob@other.org"}


@pytest.fixture
def world(server: Server) -> Iterator[FlagWorld]:
    w = FlagWorld(server.url).load()
    yield w
    w.client.close()


def eventually(done) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT
    while not done():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


def test_typed_forms_return_the_flags_value(world: FlagWorld) -> None:
    c, f = world.client, world.flags
    assert c.evaluate_bool(f, "new-checkout", False, ANN) is True
    assert c.evaluate_string(f, "banner", "none") == "#f00"
    assert c.evaluate_int(f, "max-items", 1, {"plan": "pro"}) == 100
    value = c.evaluate_float(f, "max-items", 1.0, {"plan": "pro"})
    assert value == 100.0 and type(value) is float
    assert c.evaluate_float(f, "max-items", 1.0, {"plan": "odd"}) == 2.5
    assert c.evaluate_object(f, "layout", {}, {"groups": ["beta"]}) == {"columns": 3, "tags": ["a", "b"], "ratio": 1.0}
    assert type(c.evaluate_object(f, "layout", {}, {"groups": ["beta"]})["ratio"]) is float
    assert c.evaluate_object(f, "banner", None) is None, "objects and arrays only: a str is a type mismatch"


def test_keyword_arguments_and_no_context(world: FlagWorld) -> None:
    c = world.client
    assert c.evaluate_bool(collection=world.flags, key="new-checkout", default=True, context=None) is False
    assert c.evaluate_string(world.flags, "banner", default="x") == "#f00"


def test_evaluate_gives_the_details(world: FlagWorld) -> None:
    e = world.client.evaluate(world.flags, "new-checkout", ANN)
    assert isinstance(e, hotstate.Evaluation)
    assert (e.value, e.variant, e.reason, e.error_code, e.error_message) == (
        True, "on", hotstate.Reason.TARGETING_MATCH, None, None)
    assert e.metadata == {"owner": "checkout", "version": 3, "beta": True, "weight": 0.5, "note": "caf\u00e9 \u2713"}
    assert e.metadata is not e.metadata, "a fresh dict per access"
    assert e.reason == "TARGETING_MATCH", "str enums with OpenFeature's spellings"
    assert "TARGETING_MATCH" in repr(e) and "'on'" in repr(e)
    assert world.client.evaluate(world.flags, "banner").metadata == {}


def test_evaluate_with_a_type_asks_for_that_type(world: FlagWorld) -> None:
    c, f = world.client, world.flags
    assert c.evaluate(f, "max-items", {"plan": "pro"}, type=int).value == 100
    assert type(c.evaluate(f, "max-items", {"plan": "pro"}, type=float).value) is float
    assert c.evaluate(f, "layout", {"groups": ["beta"]}, type=dict).value["columns"] == 3
    assert c.evaluate(f, "layout", None, type=list).variant == "list"
    assert c.evaluate(f, "new-checkout", ANN, type=bool).value is True
    mismatch = c.evaluate(f, "banner", None, default=0, type=int)
    assert (mismatch.value, mismatch.variant, mismatch.reason, mismatch.error_code) == (
        0, None, hotstate.Reason.ERROR, hotstate.ErrorCode.TYPE_MISMATCH)
    assert mismatch.error_message
    with pytest.raises(hotstate.InvalidArgumentError, match="type must be"):
        c.evaluate(f, "banner", type=bytes)


def test_any_type_keeps_the_variants_json_type(world: FlagWorld) -> None:
    c, f = world.client, world.flags
    assert type(c.evaluate(f, "max-items", {"plan": "pro"}).value) is int
    assert c.evaluate(f, "max-items", {"plan": "odd"}).value == 2.5
    assert c.evaluate(f, "banner").value == "#f00"
    assert c.evaluate(f, "new-checkout", ANN).value is True


@pytest.mark.parametrize(
    ("key", "context", "reason", "variant"),
    [
        ("banner", None, "STATIC", "red"),
        ("new-checkout", ANN, "TARGETING_MATCH", "on"),
        ("new-checkout", BOB, "DEFAULT", "off"),
        # A fractional rollout's choice is a SPLIT (OpenFeature's reason for it).
        ("rollout", {"targetingKey": "user-1"}, "SPLIT", None),
    ],
)
def test_reasons_of_a_value(world: FlagWorld, key: str, context: object, reason: str, variant: object) -> None:
    e = world.client.evaluate(world.flags, key, context)  # type: ignore[arg-type]
    assert e.reason is hotstate.Reason[reason]
    assert e.error_code is None and e.error_message is None
    if variant is not None:
        assert e.variant == variant
    else:
        assert e.variant in ("new", "old")


def test_a_disabled_flag_gives_the_default(world: FlagWorld) -> None:
    e = world.client.evaluate(world.flags, "kill-switch", None, default=False)
    assert (e.value, e.variant, e.reason, e.error_code) == (False, None, hotstate.Reason.DISABLED, None)
    assert world.client.evaluate_bool(world.flags, "kill-switch", False) is False


def test_no_default_variant_gives_the_callers_default(world: FlagWorld) -> None:
    e = world.client.evaluate(world.flags, "no-default", {"plan": "free"}, default="mine")
    assert (e.value, e.variant, e.reason, e.error_code) == ("mine", None, hotstate.Reason.DEFAULT, None)
    assert world.client.evaluate_bool(world.flags, "no-default", True, {"plan": "pro"}) is True


@pytest.mark.parametrize(
    ("form", "key", "default", "context"),
    [
        ("evaluate_string", "new-checkout", "fallback", ANN),
        ("evaluate_bool", "banner", True, None),
        ("evaluate_int", "max-items", 7, {"plan": "odd"}),  # 2.5 is no integer
        ("evaluate_int", "banner", 7, None),
        ("evaluate_float", "banner", 7.5, None),
        ("evaluate_bool", "layout", False, None),
    ],
)
def test_a_type_mismatch_gives_the_default(world: FlagWorld, form: str, key: str, default: object,
                                           context: object) -> None:
    assert getattr(world.client, form)(world.flags, key, default, context) == default
    expected = {"evaluate_string": str, "evaluate_bool": bool, "evaluate_int": int, "evaluate_float": float}[form]
    e = world.client.evaluate(world.flags, key, context, default, expected)  # type: ignore[arg-type]
    assert (e.value, e.reason, e.error_code) == (default, hotstate.Reason.ERROR, hotstate.ErrorCode.TYPE_MISMATCH)


def test_a_missing_flag_gives_the_default_with_flag_not_found(world: FlagWorld) -> None:
    assert world.client.evaluate_bool(world.flags, "no-such-flag", True) is True
    e = world.client.evaluate(world.flags, "no-such-flag", default=3)
    assert (e.value, e.variant, e.reason, e.error_code) == (3, None, hotstate.Reason.ERROR, hotstate.ErrorCode.FLAG_NOT_FOUND)
    assert "no-such-flag" in (e.error_message or "")
    assert e.metadata == {}


def test_a_collection_that_is_not_a_flag_collection_is_general(world: FlagWorld) -> None:
    assert world.client.evaluate_bool(world.plans, "free", True) is True
    e = world.client.evaluate(world.plans, "free", default=None)
    assert (e.reason, e.error_code) == (hotstate.Reason.ERROR, hotstate.ErrorCode.GENERAL)
    assert "flag_collections" in (e.error_message or "")


def test_a_rollout_without_a_targeting_key_is_targeting_key_missing(world: FlagWorld) -> None:
    # Every key-less user would land in one bucket: the default, and the reason why.
    e = world.client.evaluate(world.flags, "rollout", {"email": "ann@example.com"}, default="none")
    assert (e.value, e.reason, e.error_code) == ("none", hotstate.Reason.ERROR, hotstate.ErrorCode.TARGETING_KEY_MISSING)
    assert "targeting key" in (e.error_message or "")
    # An empty targeting key is a key (the caller chose it).
    assert world.client.evaluate(world.flags, "rollout", {"targetingKey": ""}).error_code is None


def test_a_broken_flag_gives_the_default_with_parse_error_and_is_listed(world: FlagWorld) -> None:
    assert world.client.flag_problems() == [] and world.client.status().flag_errors == 0
    world.put(world.flags, "broken", BROKEN)
    assert world.client.evaluate_int(world.flags, "broken", 42) == 42
    e = world.client.evaluate(world.flags, "broken", default=42)
    assert (e.value, e.reason, e.error_code) == (42, hotstate.Reason.ERROR, hotstate.ErrorCode.PARSE_ERROR)
    assert "no_such_operator" in (e.error_message or "")
    (problem,) = world.client.flag_problems()
    assert isinstance(problem, hotstate.FlagProblem)
    assert (problem.collection, problem.key) == (world.flags, "broken") and "no_such_operator" in problem.message
    assert world.client.status().flag_errors == 1
    assert world.client.evaluate_string(world.flags, "banner", "") == "#f00", "other flags are unaffected"

    world.put(world.flags, "broken", {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "a"})
    assert world.client.evaluate_int(world.flags, "broken", 42) == 1
    assert world.client.flag_problems() == [] and world.client.status().flag_errors == 0


def test_the_record_operator_reads_plans_for_entitlements_and_limits(world: FlagWorld) -> None:
    c, f = world.client, world.flags
    free = {"account": {"plan": "free", "seats": 3}}
    enterprise = {"account": {"plan": "enterprise", "seats": 3}}
    assert c.evaluate_bool(f, "sso", True, free) is False
    assert c.evaluate_bool(f, "sso", False, enterprise) is True
    assert c.evaluate_bool(f, "add-seat", True, free) is False, "3 of 3 seats used"
    assert c.evaluate_bool(f, "add-seat", False, enterprise) is True
    world.put(world.plans, "free", {"features": {"sso": True}, "limits": {"seats": 5}})
    assert c.evaluate_bool(f, "sso", False, free) is True, "the next evaluation sees the new plan"
    assert c.evaluate_bool(f, "add-seat", False, free) is True
    gold = c.evaluate(f, "sso", {"account": {"plan": "gold"}}, default=True)
    assert (gold.value, gold.error_code) == (False, None), "no such plan: the rule's else branch"


def test_a_flag_collection_needs_no_collections_entry(server: Server) -> None:
    world = FlagWorld(server.url).load()
    with hotstate.Client(server.url, flag_collections=[world.flags], backoff=(0.02, 0.2)) as only_flags:
        only_flags.wait_ready(timeout=WAIT)
        only_flags.wait_for_revision(world.client.status().revision, timeout=WAIT)
        assert only_flags.flag_collections == (world.flags,)
        assert only_flags.evaluate_string(world.flags, "banner", "") == "#f00"
        assert only_flags.get(world.flags, "banner")["defaultVariant"] == "red", "replicated whole"
    world.client.close()


def test_bad_flag_collections_option(server: Server) -> None:
    with pytest.raises(hotstate.InvalidArgumentError, match="flag_collections must be a list of names"):
        hotstate.Client(server.url, flag_collections="flags")  # type: ignore[arg-type]
    with pytest.raises(hotstate.InvalidArgumentError, match="flag_collections must be a list of str"):
        hotstate.Client(server.url, flag_collections=[1])  # type: ignore[list-item]
    with pytest.raises(hotstate.InvalidArgumentError, match="flag collection"):
        hotstate.Client(server.url)


def test_bad_collection_and_key_arguments(world: FlagWorld) -> None:
    with pytest.raises(TypeError, match="collection must be a str"):
        world.client.evaluate_bool(1, "k", False)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="key must be a str"):
        world.client.evaluate(world.flags, None)  # type: ignore[arg-type]
    with pytest.raises(hotstate.InvalidArgumentError, match="NUL"):
        world.client.evaluate_bool("fl\0ags", "k", False)


def test_reasons_stale_while_the_server_is_away_and_cached_from_the_offline_cache(
    own_server: Server, tmp_path: pathlib.Path
) -> None:
    cache = tmp_path / "flags.cache"
    world = FlagWorld(own_server.url, cache_path=cache, cache_interval=0.02, stale_after=0.3).load()
    c, f = world.client, world.flags
    assert c.evaluate(f, "banner").reason is hotstate.Reason.STATIC
    own_server.stop()
    assert eventually(lambda: c.evaluate(f, "banner").reason is hotstate.Reason.STALE)
    stale = c.evaluate(f, "new-checkout", ANN)
    assert (stale.value, stale.variant, stale.reason) == (True, "on", hotstate.Reason.STALE), "last-known state"
    assert c.evaluate(f, "no-such-flag").reason is hotstate.Reason.ERROR, "errors keep their own reason"
    assert c.evaluate(f, "kill-switch").reason is hotstate.Reason.DISABLED
    c.close()

    same_selectors = {"collections": [world.plans], "flag_collections": [f]}  # else the cache is not used
    with hotstate.Client(own_server.url, cache_path=cache, **same_selectors) as from_cache:  # type: ignore[arg-type]
        cached = from_cache.evaluate(f, "banner", default="")
        assert (cached.value, cached.reason) == ("#f00", hotstate.Reason.CACHED)
        assert from_cache.evaluate_bool(f, "new-checkout", False, ANN) is True


def test_nothing_loaded_is_provider_not_ready() -> None:
    nobody = f"http://127.0.0.1:{stable_port()}"
    with hotstate.Client(nobody, flag_collections=["flags"], backoff=(0.02, 0.2)) as c:
        assert c.evaluate_bool("flags", "banner", True) is True
        e = c.evaluate("flags", "banner", default="d")
        assert (e.value, e.reason, e.error_code) == ("d", hotstate.Reason.ERROR, hotstate.ErrorCode.PROVIDER_NOT_READY)


def test_evaluation_after_close_gives_the_default_with_general(server: Server) -> None:
    world = FlagWorld(server.url).load()
    c, f = world.client, world.flags
    assert c.evaluate_bool(f, "new-checkout", False, ANN) is True
    c.close()
    assert c.evaluate_bool(f, "new-checkout", False, ANN) is False
    assert c.evaluate_string(f, "banner", "closed") == "closed"
    e = c.evaluate(f, "banner", default="closed")
    assert (e.value, e.reason, e.error_code) == ("closed", hotstate.Reason.ERROR, hotstate.ErrorCode.GENERAL)
    assert "closed" in (e.error_message or "")
    with pytest.raises(hotstate.ClosedError):
        c.flag_problems()
    assert c.status().flag_errors == 0
