"""What the interpreter asks of a host: plain data.

- ``step``: a step was entered; hosts render it (text for the channel, audio for the phone, the
  question's input and choices).
- ``invalid``: the answer was refused; ask again.
- actions the host carries out and answers with an ActionResult: ``email``, ``update``, ``create``,
  ``find``, ``invoke``, ``transfer``, ``voicemail`` (``Effect.needs_result``).
- ``set``: a variable was set (for the trace and the CLI; nothing to do).
- ``end``: the run ended with an outcome.
"""

from __future__ import annotations

from typing import Any, NamedTuple

HOST_ACTIONS = frozenset({"email", "update", "create", "find", "invoke", "transfer", "voicemail"})


class Effect(NamedTuple):
    """Immutable (a tuple: the interpreter makes one per step, so it must be cheap)."""

    kind: str
    data: dict[str, Any]

    @property
    def needs_result(self) -> bool:
        return self.kind in HOST_ACTIONS

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def as_dict(self) -> dict[str, Any]:
        return {"effect": self.kind, **self.data}
