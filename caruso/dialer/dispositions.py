"""Dispositions: the agent script's end outcome, mapped to what it means for the contact.

A campaign lists its codes; the shipped defaults cover the common outcomes.  An outcome no code names
is kept as given and treated as final (the call reached the customer and the script ended).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Disposition:
    code: str
    label: str = ""
    final: bool = True          # closes the contact
    retry: bool = False         # try again later (after the no-answer gap)
    success: bool = False
    do_not_call: bool = False   # the customer opted out: recorded as withdrawn consent
    callback: bool = False      # the agent promised a callback (its time comes with the outcome)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "final": self.final, "retry": self.retry,
                "success": self.success, "do_not_call": self.do_not_call, "callback": self.callback}


DEFAULT_DISPOSITIONS = (
    Disposition("sale", "Sale / agreed", success=True),
    Disposition("completed", "Completed", success=True),
    Disposition("not_interested", "Not interested"),
    Disposition("wrong_number", "Wrong number"),
    Disposition("do_not_call", "Asked not to be called", do_not_call=True),
    Disposition("call_back", "Call back later", final=False, callback=True),
    Disposition("retry", "Try again later", final=False, retry=True),
)


class DispositionTable:
    def __init__(self, dispositions: Iterable[Disposition] = DEFAULT_DISPOSITIONS) -> None:
        self._by_code: dict[str, Disposition] = {d.code: d for d in dispositions}

    def resolve(self, outcome: str | None) -> Disposition:
        """The disposition for a script's end outcome (no outcome: 'completed')."""
        code = (outcome or "completed").strip()
        return self._by_code.get(code) or Disposition(code, code)

    def codes(self) -> list[str]:
        return sorted(self._by_code)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]]) -> DispositionTable:
        table = {d.code: d for d in DEFAULT_DISPOSITIONS}
        for row in rows:
            d = Disposition(str(row["code"]), str(row.get("label", "")), bool(row.get("final", True)),
                            bool(row.get("retry", False)), bool(row.get("success", False)),
                            bool(row.get("do_not_call", False)), bool(row.get("callback", False)))
            table[d.code] = d
        return cls(table.values())
