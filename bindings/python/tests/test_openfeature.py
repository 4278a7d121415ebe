"""hotstate.openfeature.HotstateProvider through the real OpenFeature SDK (openfeature.api)
against a real hotstated: resolutions with OpenFeature's reasons and error codes, and the
provider events (READY, STALE, READY again, CONFIGURATION_CHANGED, ERROR)."""

from __future__ import annotations

import datetime
import pathlib
import queue
import uuid
from typing import Any, Iterator

import pytest
from openfeature import api
from openfeature.client import OpenFeatureClient
from openfeature.evaluation_context import EvaluationContext
from openfeature.event import EventDetails, ProviderEvent
from openfeature.exception import ErrorCode, ProviderNotReadyError
from openfeature.flag_evaluation import Reason
from openfeature.provider import AbstractProvider, ProviderStatus

import hotstate
from conftest import WAIT, Server, stable_port
from flag_data import BROKEN, PLANS, FlagWorld, flag_set
from hotstate.openfeature import HotstateProvider

ANN = EvaluationContext("ann", {"email": "ann@example.com", "plan": "pro"})


@pytest.fixture(autouse=True)
def sdk() -> Iterator[None]:
    yield
    api.clear_providers()  # shuts every provider down, drops the handlers


@pytest.fixture
def world(server: Server) -> Iterator[FlagWorld]:
    w = FlagWorld(server.url).load()
    yield w
    w.client.close()


def provide(provider: HotstateProvider, wait: bool = True) -> OpenFeatureClient:
    domain = uuid.uuid4().hex
    if wait:
        api.set_provider_and_wait(provider, domain)
    else:
        api.set_provider(provider, domain)
    return api.get_client(domain)


class Events:
    """The provider events a client's handlers receive, in a queue per event. (The SDK calls
    a handler at once when the provider's status already is its event: add handlers when
    that cannot mislead the test.)"""

    def __init__(self, client: OpenFeatureClient, *events: ProviderEvent) -> None:
        self.queues: dict[ProviderEvent, "queue.Queue[EventDetails]"] = {e: queue.Queue() for e in events or ProviderEvent}
        for event, q in self.queues.items():
            client.add_handler(event, q.put)

    def next(self, event: ProviderEvent) -> EventDetails:
        return self.queues[event].get(timeout=WAIT)

    def none_of(self, event: ProviderEvent) -> bool:
        return self.queues[event].empty()

    def drain(self, event: ProviderEvent) -> None:
        while not self.queues[event].empty():
            self.queues[event].get_nowait()


@pytest.fixture
def durable_server(tmp_path: pathlib.Path) -> Iterator[Server]:
    """A server that keeps its data across a restart (a --memory one starts empty)."""
    s = Server(["--data-dir", str(tmp_path / "data")])
    yield s
    s.stop()


def test_the_provider_is_an_abstract_provider_named_hotstate(world: FlagWorld) -> None:
    provider = HotstateProvider(client=world.client, collection=world.flags)
    assert isinstance(provider, AbstractProvider)
    assert provider.get_metadata().name == "hotstate"
    client = provide(provider)
    assert client.get_provider_status() is ProviderStatus.READY
    assert client.provider is provider and provider.client is world.client


def test_typed_resolutions_through_the_sdk(world: FlagWorld) -> None:
    client = provide(HotstateProvider(client=world.client, collection=world.flags))
    pro = EvaluationContext(attributes={"plan": "pro"})
    assert client.get_boolean_value("new-checkout", False, ANN) is True
    assert client.get_string_value("banner", "none") == "#f00"
    assert client.get_integer_value("max-items", 1, pro) == 100
    value = client.get_float_value("max-items", 1.0, pro)
    assert value == 100.0 and type(value) is float
    assert client.get_object_value("layout", {}, EvaluationContext(attributes={"groups": ["beta"]})) == {
        "columns": 3, "tags": ["a", "b"], "ratio": 1.0}

    details = client.get_boolean_details("new-checkout", False, ANN)
    assert (details.flag_key, details.value, details.variant, details.reason, details.error_code) == (
        "new-checkout", True, "on", Reason.TARGETING_MATCH, None)
    assert details.flag_metadata == {"owner": "checkout", "version": 3, "beta": True, "weight": 0.5,
                                     "note": "caf\u00e9 \u2713"}
    assert client.get_string_details("banner", "").reason == Reason.STATIC
    assert client.get_boolean_details("new-checkout", True, EvaluationContext("bob")).reason == Reason.DEFAULT
    assert client.get_boolean_details("kill-switch", False).reason == Reason.DISABLED
    assert client.get_string_details("rollout", "?", EvaluationContext("user-1")).reason == Reason.SPLIT


def test_the_targeting_key_and_attributes_reach_the_rule(world: FlagWorld) -> None:
    client = provide(HotstateProvider(client=world.client, collection=world.flags))
    for i in range(50):
        key = f"user-{i}"
        expected = world.client.evaluate_string(world.flags, "rollout", "?", {"targetingKey": key})
        assert client.get_string_value("rollout", "?", EvaluationContext(key)) == expected
    account = EvaluationContext("acct-1", {"account": {"plan": "enterprise", "seats": 3}})
    assert client.get_boolean_value("sso", False, account) is True, "record operator through the provider"
    assert client.get_boolean_value("add-seat", False, account) is True
    api.set_evaluation_context(EvaluationContext(attributes={"email": "ann@example.com"}))
    try:
        assert client.get_boolean_value("new-checkout", False) is True, "the SDK's merged context"
    finally:
        api.set_evaluation_context(EvaluationContext())


def test_datetime_attributes_are_read_as_iso_text(world: FlagWorld) -> None:
    world.put(world.flags, "since", {"state": "ENABLED", "variants": {"yes": True, "no": False}, "defaultVariant": "no",
                                     "targeting": {"if": [{"===": [{"var": "at"}, "2024-01-02T03:04:05"]}, "yes", "no"]}})
    client = provide(HotstateProvider(client=world.client, collection=world.flags))
    at = datetime.datetime(2024, 1, 2, 3, 4, 5)
    details = client.get_boolean_details("since", False, EvaluationContext("u", {"at": at}))
    assert (details.value, details.error_code) == (True, None), details.error_message
    nested = client.get_boolean_details("since", False, EvaluationContext("u", {"list": [at], "at": at}))
    assert nested.value is True


@pytest.mark.parametrize(
    ("kind", "key", "default", "context", "code"),
    [
        ("boolean", "no-such-flag", True, None, ErrorCode.FLAG_NOT_FOUND),
        ("integer", "banner", 7, None, ErrorCode.TYPE_MISMATCH),
        ("integer", "max-items", 7, EvaluationContext(attributes={"plan": "odd"}), ErrorCode.TYPE_MISMATCH),
        ("string", "new-checkout", "d", ANN, ErrorCode.TYPE_MISMATCH),
        ("float", "banner", 1.5, None, ErrorCode.TYPE_MISMATCH),
        ("object", "banner", {"d": 1}, None, ErrorCode.TYPE_MISMATCH),
        ("integer", "broken", 42, None, ErrorCode.PARSE_ERROR),
        ("boolean", "new-checkout", True, EvaluationContext("u", {"tags": {"a", "b"}}),  # type: ignore[dict-item]
         ErrorCode.INVALID_CONTEXT),
    ],
)
def test_errors_give_the_default_with_the_error_code(
    world: FlagWorld, kind: str, key: str, default: Any, context: Any, code: ErrorCode
) -> None:
    world.put(world.flags, "broken", BROKEN)
    client = provide(HotstateProvider(client=world.client, collection=world.flags))
    details = getattr(client, f"get_{kind}_details")(key, default, context)
    assert (details.value, details.reason, details.error_code) == (default, Reason.ERROR, code)
    assert details.error_message
    assert getattr(client, f"get_{kind}_value")(key, default, context) == default


def test_stale_reason_while_the_server_is_away(own_server: Server) -> None:
    world = FlagWorld(own_server.url).load()
    client = provide(HotstateProvider(client=world.client, collection=world.flags))
    events = Events(client)
    own_server.stop()
    events.next(ProviderEvent.PROVIDER_STALE)
    details = client.get_string_details("banner", "")
    assert (details.value, details.reason, details.error_code) == ("#f00", Reason.STALE, None)
    world.client.close()


def test_events_ready_stale_ready_again_and_configuration_changed(durable_server: Server) -> None:
    world = FlagWorld(durable_server.url).load()
    provider = HotstateProvider(url=durable_server.url, collection=world.flags, collections=[world.plans],
                                backoff=(0.02, 0.2))
    domain = uuid.uuid4().hex
    api.set_provider(provider, domain)
    client = api.get_client(domain)
    events = Events(client)  # after set_provider: the status is NOT_READY (or READY: hotstate's)
    ready = events.next(ProviderEvent.PROVIDER_READY)
    assert ready.provider_name == "hotstate"
    assert client.get_string_value("banner", "") == "#f00"
    assert client.get_boolean_value("sso", True, EvaluationContext("a", {"account": {"plan": "free"}})) is False

    world.put(world.flags, "banner", {"state": "ENABLED", "variants": {"x": "x"}, "defaultVariant": "x"})
    assert events.next(ProviderEvent.PROVIDER_CONFIGURATION_CHANGED).flags_changed == ["banner"]
    world.client.txn([hotstate.Put(world.flags, "a-new", BROKEN), hotstate.Delete(world.flags, "rollout"),
                      hotstate.Put(world.plans, "free", {"features": {"sso": True}})])
    assert events.next(ProviderEvent.PROVIDER_CONFIGURATION_CHANGED).flags_changed == ["a-new", "rollout"]
    world.put(world.flags, "$evaluators", {"is_staff": {"ends_with": [{"var": "email"}, "@corp.com"]}})
    every_flag = sorted(k for k in flag_set(world.plans) if k != "rollout") + ["a-new"]
    assert events.next(ProviderEvent.PROVIDER_CONFIGURATION_CHANGED).flags_changed == sorted(every_flag)
    world.put(world.plans, "enterprise", PLANS["enterprise"])
    world.put(world.flags, "$other", {"x": 1})  # "$" keys other than the two shared ones are ignored

    events.drain(ProviderEvent.PROVIDER_READY)
    durable_server.stop()
    stale = events.next(ProviderEvent.PROVIDER_STALE)
    assert stale.message and "last-known" in stale.message
    assert client.get_provider_status() is ProviderStatus.STALE
    assert client.get_string_value("banner", "") == "x", "last-known flags keep answering"
    durable_server.start()
    events.next(ProviderEvent.PROVIDER_READY)
    assert client.get_provider_status() is ProviderStatus.READY
    assert events.none_of(ProviderEvent.PROVIDER_CONFIGURATION_CHANGED), "plans and $other changed no flag"
    assert events.none_of(ProviderEvent.PROVIDER_ERROR)

    durable_server.stop()  # the provider's own client is closed at shutdown, with the server away
    events.next(ProviderEvent.PROVIDER_STALE)
    own_client = provider.client
    assert own_client is not None and not own_client.closed
    api.clear_providers()
    assert own_client.closed, "shutdown closes the client the provider opened"
    world.client.close()


def test_error_when_the_flags_never_loaded_then_ready_when_they_do(own_server: Server) -> None:
    own_server.stop()
    provider = HotstateProvider(url=own_server.url, collection="flags", ready_timeout=0.3, backoff=(0.02, 0.2))
    domain = uuid.uuid4().hex
    client = api.get_client(domain)
    errors = Events(client, ProviderEvent.PROVIDER_ERROR)
    with pytest.raises(ProviderNotReadyError):
        api.set_provider_and_wait(provider, domain)
    error = errors.next(ProviderEvent.PROVIDER_ERROR)
    assert error.error_code == ErrorCode.PROVIDER_NOT_READY and "did not load within 0.3 s" in (error.message or "")
    assert client.get_provider_status() is ProviderStatus.ERROR
    details = client.get_boolean_details("banner", True)
    assert (details.value, details.error_code) == (True, ErrorCode.PROVIDER_NOT_READY)
    events = Events(client, ProviderEvent.PROVIDER_READY, ProviderEvent.PROVIDER_STALE)  # status ERROR: none at once
    own_server.start()
    events.next(ProviderEvent.PROVIDER_READY)
    assert client.get_provider_status() is ProviderStatus.READY
    assert client.get_boolean_details("banner", True).error_code == ErrorCode.FLAG_NOT_FOUND
    assert events.none_of(ProviderEvent.PROVIDER_STALE), "never loaded: ERROR until live, never STALE"


def test_a_given_client_stays_open_at_shutdown(world: FlagWorld) -> None:
    provider = HotstateProvider(client=world.client, collection=world.flags)
    provide(provider)
    api.clear_providers()
    assert not world.client.closed
    assert world.client.evaluate_string(world.flags, "banner", "") == "#f00"


def test_the_provider_reinitializes_after_shutdown(server: Server) -> None:
    world = FlagWorld(server.url).load()
    provider = HotstateProvider(url=server.url, collection=world.flags)
    assert provider.client is None
    provide(provider)
    first = provider.client
    api.clear_providers()
    assert first is not None and first.closed
    client = provide(provider)
    assert provider.client is not first and client.get_string_value("banner", "") == "#f00"
    world.client.close()


def test_a_provider_not_initialized_resolves_to_the_default() -> None:
    provider = HotstateProvider(url="http://127.0.0.1:1", collection="flags")
    details = provider.resolve_boolean_details("banner", True, None)
    assert (details.value, details.reason, details.error_code) == (True, Reason.ERROR, ErrorCode.PROVIDER_NOT_READY)


def test_bad_provider_arguments(world: FlagWorld) -> None:
    with pytest.raises(hotstate.InvalidArgumentError, match="one of them"):
        HotstateProvider()
    with pytest.raises(hotstate.InvalidArgumentError, match="one of them"):
        HotstateProvider(url="http://127.0.0.1:7700", client=world.client)
    with pytest.raises(hotstate.InvalidArgumentError, match="need url="):
        HotstateProvider(client=world.client, collection=world.flags, backoff=(1, 2))
    with pytest.raises(hotstate.InvalidArgumentError, match="not one of the client's flag_collections"):
        HotstateProvider(client=world.client, collection=world.plans)


def test_a_client_against_nobody_reports_provider_not_ready_through_the_provider() -> None:
    nobody = f"http://127.0.0.1:{stable_port()}"
    with hotstate.Client(nobody, flag_collections=["flags"]) as c:
        provider = HotstateProvider(client=c, collection="flags")
        details = provider.resolve_string_details("banner", "d", EvaluationContext("u"))
        assert (details.value, details.reason, details.error_code) == ("d", Reason.ERROR, ErrorCode.PROVIDER_NOT_READY)
