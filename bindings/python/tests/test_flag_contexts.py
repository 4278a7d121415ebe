"""Evaluation contexts from Python: dicts converted per call (in C++), prebuilt
hotstate.EvalContext, every value type a rule can read back, and clear errors for what a
context cannot hold."""

from __future__ import annotations

import datetime
import itertools
import types
from typing import Any, Iterator

import pytest

import hotstate
from conftest import Server
from flag_data import FlagWorld

ANN = {"targetingKey": "ann", "email": "ann@example.com", "plan": "pro"}
_probe_numbers = itertools.count()


@pytest.fixture(scope="module")
def world(server: Server) -> Iterator[FlagWorld]:
    w = FlagWorld(server.url).load()
    yield w
    w.client.close()


def matches(world: FlagWorld, rule: Any, context: Any) -> bool:
    """Writes a flag that is on when `rule` holds and evaluates it for `context`."""
    key = f"probe-{next(_probe_numbers)}"
    world.put(world.flags, key, {"state": "ENABLED", "variants": {"yes": True, "no": False}, "defaultVariant": "no",
                                 "targeting": {"if": [rule, "yes", "no"]}})
    e = world.client.evaluate(world.flags, key, context, type=bool)
    assert e.error_code is None, e.error_message
    return bool(e.value)


def equals(path: str, value: Any) -> Any:
    return {"===": [{"var": path}, value]}


@pytest.mark.parametrize(
    ("context", "rule"),
    [
        ({"s": "text"}, equals("s", "text")),
        ({"s": "caf\u00e9 \u2713 \U0001f600"}, equals("s", "caf\u00e9 \u2713 \U0001f600")),
        ({"i": 42}, equals("i", 42)),
        ({"i": -(2**63)}, {"<": [{"var": "i"}, -(2**62)]}),
        ({"u": 2**64 - 1}, {">": [{"var": "u"}, 2**63 - 1]}),
        ({"f": 2.5}, equals("f", 2.5)),
        ({"b": True}, equals("b", True)),
        ({"b": False}, equals("b", False)),
        ({"n": None}, equals("n", None)),
        ({"account": {"plan": "pro", "seats": {"used": 3}}}, equals("account.seats.used", 3)),
        ({"tags": ["a", "b"]}, equals("tags.1", "b")),
        ({"tags": ("a", "b")}, {"in": ["b", {"var": "tags"}]}),
        ({"xs": [1.5, None, True, 2**64 - 1]}, {"and": [equals("xs.0", 1.5), equals("xs.2", True)]}),
        ({"o": {"q": 'a"b\\c\nd\u0001/'}}, equals("o.q", 'a"b\\c\nd\u0001/')),
        ({"o": {"\u043a\u043b\u044e\u0447": 1}}, equals("o.\u043a\u043b\u044e\u0447", 1)),
        ({"o": {"deep": [[{"x": [1.0]}]]}}, equals("o.deep.0.0.x.0", 1.0)),
        ({"targetingKey": "u1"}, equals("targetingKey", "u1")),
        (types.MappingProxyType({"s": "text"}), equals("s", "text")),
        ({"o": types.MappingProxyType({"k": "v"})}, equals("o.k", "v")),
    ],
)
def test_a_rule_reads_back_every_value_type(world: FlagWorld, context: Any, rule: Any) -> None:
    assert matches(world, rule, context)
    assert matches(world, rule, hotstate.EvalContext.from_dict(context))


def test_a_bool_is_not_a_number_and_a_float_stays_a_float(world: FlagWorld) -> None:
    assert not matches(world, equals("b", 1), {"b": True})
    assert matches(world, equals("b", True), {"b": True})
    assert matches(world, {"==": [{"var": "f"}, 3]}, {"f": 3.0})


def test_a_prebuilt_context_gives_what_the_dict_gives(world: FlagWorld) -> None:
    c, f = world.client, world.flags
    user = hotstate.EvalContext(targeting_key="ann", email="ann@example.com", plan="pro")
    assert c.evaluate_bool(f, "new-checkout", False, user) is True
    assert c.evaluate_int(f, "max-items", 1, user) == 100
    for i in range(200):
        key = f"user-{i}"
        by_dict = c.evaluate_bool(f, "checkout-v3", False, {"targetingKey": key, "email": "x@example.com",
                                                             "country": "de", "age": 30})
        prebuilt = hotstate.EvalContext(key, email="x@example.com", country="de", age=30)
        assert c.evaluate_bool(f, "checkout-v3", False, prebuilt) is by_dict
        assert c.evaluate(f, "rollout", {"targetingKey": key}).variant == c.evaluate(
            f, "rollout", hotstate.EvalContext(targeting_key=key)).variant


def test_a_context_can_be_changed_and_reused(world: FlagWorld) -> None:
    c, f = world.client, world.flags
    user = hotstate.EvalContext()
    assert user.set("email", "ann@example.com").set("plan", "pro") is user
    assert c.evaluate_bool(f, "new-checkout", False, user) is True
    user.set("email", "ann@other.org")
    assert c.evaluate_bool(f, "new-checkout", True, user) is False
    assert user.remove("plan") is user and user.remove("never-set") is user
    assert c.evaluate_int(f, "max-items", 0, user) == 10
    user.set("targetingKey", "ann")
    assert matches(world, equals("targetingKey", "ann"), user)
    user.set("targetingKey", None)  # removes it
    assert matches(world, equals("targetingKey", None), user)
    user.set("plan", "pro")
    user.clear()
    assert c.evaluate_int(f, "max-items", 0, user) == 10


def test_a_dict_is_converted_at_every_call(world: FlagWorld) -> None:
    context = dict(ANN)
    assert world.client.evaluate_bool(world.flags, "new-checkout", False, context) is True
    context["email"] = "ann@other.org"
    assert world.client.evaluate_bool(world.flags, "new-checkout", True, context) is False
    assert world.client.evaluate_bool(world.flags, "new-checkout", False, {}) is False


def test_a_targeting_key_of_none_is_no_targeting_key(world: FlagWorld) -> None:
    assert matches(world, {"missing": ["targetingKey"]}, {"targetingKey": None})
    assert not matches(world, {"missing": ["targetingKey"]}, {"targetingKey": "u1"})


class Opaque:
    pass


@pytest.mark.parametrize(
    ("context", "message"),
    [
        (["email"], "a context is a dict of attributes, a hotstate.EvalContext or None, not list"),
        ("email=a", "not str"),
        ({1: "x"}, r"context keys must be str, not int \(1\)"),
        ({"a\0b": 1}, "context key 'a\\\\x00b' contains a NUL character"),
        ({"tags": {"x"}}, r"context\['tags'\]: a value of type set \(use str, int, float, bool, None"),
        ({"raw": b"x"}, r"context\['raw'\]: a value of type bytes"),
        ({"at": datetime.datetime(2024, 1, 1)}, r"context\['at'\]: a value of type datetime.datetime"),
        ({"o": Opaque()}, r"context\['o'\]: a value of type Opaque"),
        ({"a": {"b": [1, {2}]}}, r"context\['a'\]\['b'\]\[1\]: a value of type set"),
        ({"a": {"b": {3: 4}}}, r"context\['a'\]\['b'\]: an object key of type int \(keys must be str\)"),
        ({"f": float("nan")}, r"context\['f'\]: nan, which has no JSON form"),
        ({"f": [float("inf")]}, r"context\['f'\]\[0\]: an infinite float, which has no JSON form"),
        ({"i": 2**64}, r"context\['i'\]: an integer that does not fit in 64 bits"),
        ({"i": [-(2**63) - 1]}, r"context\['i'\]\[0\]: an integer that does not fit in 64 bits"),
        ({"targetingKey": 42}, r"context\['targetingKey'\] must be a str \(or None\), not int"),
        ({"s": "\ud800"}, r"context\['s'\]: text that is not valid Unicode"),
    ],
)
def test_a_bad_context_is_a_clear_invalid_argument_error(world: FlagWorld, context: Any, message: str) -> None:
    for call in (
        lambda: world.client.evaluate_bool(world.flags, "new-checkout", False, context),
        lambda: world.client.evaluate(world.flags, "new-checkout", context),
        lambda: hotstate.EvalContext.from_dict(context),
        lambda: world.client.on_flag_change(world.flags, "new-checkout", lambda e: None, context),
    ):
        with pytest.raises(hotstate.InvalidArgumentError, match=message):
            call()


def test_a_container_that_contains_itself_is_refused(world: FlagWorld) -> None:
    loop: dict[str, Any] = {}
    loop["self"] = loop
    with pytest.raises(hotstate.InvalidArgumentError, match="nesting deeper than 64 levels"):
        world.client.evaluate_bool(world.flags, "new-checkout", False, {"loop": loop})


def test_a_bad_value_changes_nothing_in_a_prebuilt_context(world: FlagWorld) -> None:
    user = hotstate.EvalContext(email="ann@example.com")
    with pytest.raises(hotstate.InvalidArgumentError, match=r"context\['email'\]: a value of type set"):
        user.set("email", {"x"})
    with pytest.raises(hotstate.InvalidArgumentError, match="context keys must be str"):
        user.set(3, "x")  # type: ignore[arg-type]
    with pytest.raises(hotstate.InvalidArgumentError, match="context keys must be str"):
        user.remove(3)  # type: ignore[arg-type]
    assert world.client.evaluate_bool(world.flags, "new-checkout", False, user) is True


def test_bad_prebuilt_contexts(world: FlagWorld) -> None:
    with pytest.raises(hotstate.InvalidArgumentError, match=r"context\['at'\]: a value of type datetime.date"):
        hotstate.EvalContext(at=datetime.date(2024, 1, 1))
    with pytest.raises(hotstate.InvalidArgumentError, match="give the targeting key once"):
        hotstate.EvalContext(targeting_key="a", targetingKey="b")
    with pytest.raises(hotstate.InvalidArgumentError, match="must be a str"):
        hotstate.EvalContext(targeting_key=5)  # type: ignore[arg-type]
    with pytest.raises(hotstate.InvalidArgumentError, match="not int"):
        hotstate.EvalContext.from_dict(5)  # type: ignore[arg-type]
