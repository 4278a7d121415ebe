"""An OpenFeature provider whose flags are evaluated locally by a hotstate client.

    pip install "hotstate[openfeature]"      # openfeature-sdk (Python 3.10+)

    from openfeature import api
    from openfeature.evaluation_context import EvaluationContext
    from hotstate.openfeature import HotstateProvider

    api.set_provider_and_wait(HotstateProvider(url="http://127.0.0.1:7700", collection="flags"))
    api.get_client().get_boolean_value("new-checkout", False, EvaluationContext("user-42", {"plan": "pro"}))

Provider events follow the client's link: READY once the replica is live, STALE when it
goes stale or offline, READY again when it is back; CONFIGURATION_CHANGED (flags_changed:
the flag keys) when records of the flag collection change; ERROR (PROVIDER_NOT_READY)
when the replica did not load within ``ready_timeout``. See docs/flags.md.
"""

from __future__ import annotations

import datetime
import threading
from typing import Any, Mapping, Optional, Sequence, Union

from openfeature.evaluation_context import EvaluationContext
from openfeature.event import ProviderEvent, ProviderEventDetails
from openfeature.exception import ErrorCode, ProviderFatalError, ProviderNotReadyError
from openfeature.flag_evaluation import FlagResolutionDetails, Reason
from openfeature.provider import AbstractProvider, Metadata

from ._changes import ChangeBatch
from ._client import Client
from ._errors import ClosedError, InvalidArgumentError, TimeoutError
from ._flags import ErrorCode as HotstateErrorCode
from ._flags import Evaluation
from ._flags import Reason as HotstateReason
from ._status import LinkState, Status
from ._subscription import Subscription

__all__ = ["HotstateProvider"]

_REASONS = {r: Reason(r.value) for r in HotstateReason}
_ERROR_CODES = {c: ErrorCode(c.value) for c in HotstateErrorCode}
# Keys of a flag collection that change every flag's evaluation (docs/flags.md).
_SHARED_KEYS = ("$evaluators", "$metadata")
ObjectValue = Union[Sequence[Any], Mapping[str, Any]]


class HotstateProvider(AbstractProvider):
    """Resolves flags of one flag collection of a hotstate client, locally.

    Give ``url`` (and any hotstate.Client options): the provider opens a client at
    initialize() and closes it at shutdown(). Or give ``client``, one of yours whose
    ``flag_collections`` include ``collection``; it is left open."""

    def __init__(
        self,
        url: Union[str, Sequence[str], None] = None,
        collection: str = "flags",
        client: Optional[Client] = None,
        *,
        ready_timeout: float = 10.0,
        **client_options: Any,
    ) -> None:
        super().__init__()
        if (client is None) == (url is None):
            raise InvalidArgumentError("give url= (hotstated's URL) or client= (a hotstate.Client), one of them")
        if client is not None and client_options:
            raise InvalidArgumentError(f"client options {sorted(client_options)} need url=, not client=")
        if client is not None and collection not in client.flag_collections:
            raise InvalidArgumentError(f"{collection!r} is not one of the client's flag_collections")
        self._url = url
        self._collection = collection
        self._client = client
        self._owns_client = client is None
        self._client_options = client_options
        self._ready_timeout = ready_timeout
        self._subscriptions: list[Subscription] = []
        self._lock = threading.Lock()
        # The last link event the SDK knows of (READY, STALE or ERROR); None before
        # initialize() has settled and after shutdown(): nothing is emitted then.
        self._reported: Optional[ProviderEvent] = None
        # The replica's revision when initialize() found it live: the change callbacks of
        # that first load (delivered later, on the callback thread) are no configuration change.
        self._ready_revision = 0

    @property
    def client(self) -> Optional[Client]:
        """The hotstate client (None before initialize() when the provider opens its own)."""
        return self._client

    def get_metadata(self) -> Metadata:
        return Metadata(name="hotstate")

    # ---- life cycle ------------------------------------------------------------

    def initialize(self, evaluation_context: EvaluationContext) -> None:
        """Opens the client (with url=), then waits until its replica is live:
        ProviderNotReadyError (the SDK's ERROR event) after ``ready_timeout`` seconds."""
        if self._owns_client and (self._client is None or self._client.closed):
            options = dict(self._client_options)
            flag_collections = list(options.pop("flag_collections", None) or [])
            if self._collection not in flag_collections:
                flag_collections.append(self._collection)
            assert self._url is not None  # __init__: url or client
            self._client = Client(self._url, flag_collections=flag_collections, **options)
        client = self._client
        assert client is not None
        self._subscriptions = [
            client.on_status(self._on_status),
            client.on_change(self._on_flag_records, collection=self._collection),
        ]
        try:
            client.wait_ready(timeout=self._ready_timeout)
        except TimeoutError as e:
            with self._lock:
                self._reported = ProviderEvent.PROVIDER_ERROR
            raise ProviderNotReadyError(f"hotstate: the flags did not load within {self._ready_timeout} s ({e})") from e
        except ClosedError as e:
            raise ProviderFatalError("hotstate: the client is closed") from e
        with self._lock:
            self._reported = ProviderEvent.PROVIDER_READY
            self._ready_revision = client.status().revision

    def shutdown(self) -> None:
        with self._lock:
            self._reported = None
        for subscription in self._subscriptions:
            subscription.cancel()
        self._subscriptions = []
        if self._owns_client and self._client is not None:
            self._client.close()

    # ---- events ----------------------------------------------------------------

    def _on_status(self, status: Status) -> None:
        """The link changed state (client's callback thread): READY or STALE, on changes."""
        if status.state is LinkState.CLOSED:
            return
        live = status.state is LinkState.LIVE
        event = ProviderEvent.PROVIDER_READY if live else ProviderEvent.PROVIDER_STALE
        with self._lock:
            if self._reported in (None, event):
                return
            if self._reported is ProviderEvent.PROVIDER_ERROR and not live:
                return  # never loaded: ERROR until it is live
            self._reported = event
        details = ProviderEventDetails(message=f"hotstate link {status.state.value}")
        if live:
            self.emit_provider_ready(details)
        else:
            self.emit_provider_stale(ProviderEventDetails(message=_stale_message(status)))

    def _on_flag_records(self, batch: ChangeBatch) -> None:
        """Records of the flag collection changed: CONFIGURATION_CHANGED with their keys."""
        with self._lock:
            if self._reported is None or (not batch.reset and batch.revision <= self._ready_revision):
                return
        keys = {change.key for change in batch}
        if keys.intersection(_SHARED_KEYS) and self._client is not None:
            keys.update(record.key for record in self._client.scan(self._collection))  # every flag
        flags = sorted(key for key in keys if not key.startswith("$"))
        if flags:
            self.emit_provider_configuration_changed(ProviderEventDetails(flags_changed=flags))

    # ---- resolution ----------------------------------------------------------------

    def resolve_boolean_details(
        self, flag_key: str, default_value: bool, evaluation_context: Optional[EvaluationContext] = None
    ) -> FlagResolutionDetails[bool]:
        return self._resolve(flag_key, default_value, evaluation_context, bool)

    def resolve_string_details(
        self, flag_key: str, default_value: str, evaluation_context: Optional[EvaluationContext] = None
    ) -> FlagResolutionDetails[str]:
        return self._resolve(flag_key, default_value, evaluation_context, str)

    def resolve_integer_details(
        self, flag_key: str, default_value: int, evaluation_context: Optional[EvaluationContext] = None
    ) -> FlagResolutionDetails[int]:
        return self._resolve(flag_key, default_value, evaluation_context, int)

    def resolve_float_details(
        self, flag_key: str, default_value: float, evaluation_context: Optional[EvaluationContext] = None
    ) -> FlagResolutionDetails[float]:
        return self._resolve(flag_key, default_value, evaluation_context, float)

    def resolve_object_details(
        self, flag_key: str, default_value: ObjectValue, evaluation_context: Optional[EvaluationContext] = None
    ) -> FlagResolutionDetails[ObjectValue]:
        return self._resolve(flag_key, default_value, evaluation_context, dict)

    def _resolve(
        self, flag_key: str, default: Any, evaluation_context: Optional[EvaluationContext], type_: type
    ) -> FlagResolutionDetails[Any]:
        client = self._client
        if client is None:
            return FlagResolutionDetails(
                default, ErrorCode.PROVIDER_NOT_READY, "hotstate: the provider is not initialized", Reason.ERROR
            )
        context = _context(evaluation_context)
        try:
            evaluation = client.evaluate(self._collection, flag_key, context, default, type_)
        except InvalidArgumentError as e:
            converted = _datetimes_as_text(context)
            if converted is context:
                return FlagResolutionDetails(default, ErrorCode.INVALID_CONTEXT, str(e), Reason.ERROR)
            return self._resolve_converted(client, flag_key, default, converted, type_)
        return _details(evaluation)

    def _resolve_converted(
        self, client: Client, flag_key: str, default: Any, context: Any, type_: type
    ) -> FlagResolutionDetails[Any]:
        try:
            return _details(client.evaluate(self._collection, flag_key, context, default, type_))
        except InvalidArgumentError as e:
            return FlagResolutionDetails(default, ErrorCode.INVALID_CONTEXT, str(e), Reason.ERROR)


def _details(evaluation: Evaluation) -> FlagResolutionDetails[Any]:
    code = evaluation.error_code
    return FlagResolutionDetails(
        value=evaluation.value,
        error_code=None if code is None else _ERROR_CODES[code],
        error_message=evaluation.error_message,
        reason=_REASONS[evaluation.reason],
        variant=evaluation.variant,
        flag_metadata=evaluation.metadata,
    )


def _context(evaluation_context: Optional[EvaluationContext]) -> Optional[Mapping[str, Any]]:
    """OpenFeature's context as hotstate's: the attributes, plus "targetingKey"."""
    if evaluation_context is None:
        return None
    attributes = evaluation_context.attributes
    if evaluation_context.targeting_key is None:
        return attributes
    context = dict(attributes)
    context["targetingKey"] = evaluation_context.targeting_key
    return context


def _datetimes_as_text(value: Any) -> Any:
    """OpenFeature allows datetime attributes; JSON has none: ISO 8601 text instead. The
    value itself when it holds no datetime."""
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        items = {k: _datetimes_as_text(v) for k, v in value.items()}
        return value if all(items[k] is v for k, v in value.items()) else items
    if isinstance(value, (list, tuple)):
        converted = [_datetimes_as_text(v) for v in value]
        return value if all(c is v for c, v in zip(converted, value)) else converted
    return value


def _stale_message(status: Status) -> str:
    why = f": {status.last_error}" if status.last_error else ""
    return f"hotstate link {status.state.value}; serving last-known flags{why}"
