"""Client methods for flags evaluated locally (docs/flags.md); hotstate.Client has them.

Every evaluation runs in C++ (context conversion included) against the flag compiled when
its record arrived: no network, no parse. It never raises for a missing, broken, disabled
or mistyped flag: you get your default, and evaluate() says why.
"""

from __future__ import annotations

import builtins
import logging
from typing import TYPE_CHECKING, Any, Mapping, Optional, Union

from . import _native
from ._flags import Evaluation, FlagCallback, FlagProblem, problems_from_json
from ._subscription import Subscription

if TYPE_CHECKING:
    from ._client import Client

_log = logging.getLogger("hotstate")

Context = Union[Mapping[str, Any], _native.EvalContext, None]
"""A dict of attributes ("targetingKey" is the targeting key), a prebuilt hotstate.EvalContext,
or None for an empty context."""


class FlagMethods:
    """evaluate_bool/string/int/float/object, evaluate, on_flag_change, flag_problems."""

    _native: _native.Client

    # The Client binds the evaluate_* methods straight to the native ones (no Python frame
    # on the hot path); these definitions document them and are what subclasses see.

    def evaluate_bool(self, collection: str, key: str, default: bool, context: Context = None) -> bool:
        """The flag's value if it is a bool, else ``default`` (flag missing, broken,
        disabled, of another type, no variant, no state yet, client closed)."""
        return self._native.evaluate_bool(collection, key, default, context)

    def evaluate_string(self, collection: str, key: str, default: str, context: Context = None) -> str:
        """As evaluate_bool, for str flags."""
        return self._native.evaluate_string(collection, key, default, context)

    def evaluate_int(self, collection: str, key: str, default: int, context: Context = None) -> int:
        """As evaluate_bool, for numbers with an exact 64-bit integer value (2.5 is a type mismatch)."""
        return self._native.evaluate_int(collection, key, default, context)

    def evaluate_float(self, collection: str, key: str, default: float, context: Context = None) -> float:
        """As evaluate_bool, for any number (returned as a float)."""
        return self._native.evaluate_float(collection, key, default, context)

    def evaluate_object(self, collection: str, key: str, default: Any, context: Context = None) -> Any:
        """As evaluate_bool, for JSON objects and arrays, as a fresh dict or list."""
        return self._native.evaluate_object(collection, key, default, context)

    def evaluate(
        self,
        collection: str,
        key: str,
        context: Context = None,
        default: Any = None,
        type: Optional[builtins.type] = None,  # noqa: A002 - the natural name
    ) -> Evaluation:
        """The evaluation with its details: value (or ``default``), variant, reason,
        error_code, error_message, metadata. ``type`` asks for bool, str, int, float, or
        dict/list (a JSON object or array); another type of flag is a TYPE_MISMATCH.
        None takes any type."""
        return self._native.evaluate(collection, key, context, default, type)

    def on_flag_change(
        self, collection: str, key: str, callback: FlagCallback, context: Context = None
    ) -> Subscription:
        """Calls ``callback(evaluation)`` on the client's callback thread whenever the
        flag's evaluation for ``context`` gives another variant, value or error than it
        last did: after the flag, its ``$evaluators`` or a record its rule reads changed.
        The evaluation at subscription is the starting point (no call for it). The
        evaluation's value is None when the flag gives none. An exception in the callback
        is logged (logger "hotstate") and the client carries on."""
        if not callable(callback):
            raise TypeError("callback must be callable")

        def deliver(evaluation: Evaluation) -> None:
            try:
                callback(evaluation)
            except Exception:
                _log.exception("hotstate: flag callback %r raised; the client carries on", callback)

        client: "Client" = self  # type: ignore[assignment]
        return Subscription(client, self._native.subscribe_flag(collection, key, deliver, context))

    def flag_problems(self) -> list[FlagProblem]:
        """The flags of the flag collections that do not compile, sorted by collection and
        key (status().flag_errors counts them)."""
        return problems_from_json(self._native.flag_problems_json())
