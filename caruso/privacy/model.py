"""What privacy work is about and what it finds: plain data shared by the planner, the executor, the export
and the storage repositories (no I/O here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

CustomerRef = tuple[str, str]

# the system-schema places an erasure acts on, in the order it acts: anything found through a call comes
# before the calls themselves, so an interrupted erasure still finds it when run again
SYSTEM_KINDS: tuple[str, ...] = ("voicemails", "script_runs", "contact_history", "calls", "consents",
                                 "campaign_attempts", "campaign_contacts", "callbacks")
# what each place's erasure does (shown in reports)
SYSTEM_ACTIONS: dict[str, str] = {
    "voicemails": "audio deleted, caller removed (the message still counts in reports)",
    "script_runs": "answers and variables removed (steps and outcome kept for reports)",
    "contact_history": "deleted",
    "calls": "numbers, caller name, customer link and recording removed (times kept for reports)",
    "consents": "deleted (a suppression entry keeps the person from being contacted)",
    "campaign_attempts": "number removed",
    "campaign_contacts": "number, customer link and data removed; set do_not_call",
    "callbacks": "number, customer link and note removed; cancelled",
}


@dataclass(frozen=True, slots=True)
class Identity:
    """Who: the customer objects (name, key) and every number (E.164) and e-mail address they are known by."""

    customers: tuple[CustomerRef, ...] = ()
    numbers: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()

    @property
    def addresses(self) -> tuple[str, ...]:
        return self.numbers + self.emails

    @property
    def empty(self) -> bool:
        return not (self.customers or self.numbers or self.emails)


@dataclass(frozen=True, slots=True)
class HeldItem:
    """One row (or business object) holding the person's data, its content (for the export) and files."""

    kind: str                       # a SYSTEM_KINDS entry, or "object:<Name>"
    id: str
    data: dict[str, Any]
    files: tuple[str, ...] = ()
    action: str = ""                # what erasure does to it ("delete", "blank", "mask")

    @property
    def item_id(self) -> str:
        return f"{self.kind}/{self.id}"


@dataclass(frozen=True, slots=True)
class RetentionCutoffs:
    """Per kind of data, the time before which it is removed (None: kept)."""

    recordings: datetime | None = None
    voicemail: datetime | None = None
    call_records: datetime | None = None
    script_answers: datetime | None = None
    history: datetime | None = None


@dataclass(slots=True)
class RetentionCounts:
    recordings: int = 0
    voicemail: int = 0
    call_records: int = 0
    script_answers: int = 0
    history: int = 0
    files: list[str] = field(default_factory=list)
    # web self-service runs whose answers go: (run id, visitor session, script) — their visitor files too
    web_runs: list[tuple[str, str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"recordings": self.recordings, "voicemail": self.voicemail, "call_records": self.call_records,
                "script_answers": self.script_answers, "history": self.history}


def jsonable(value: Any) -> Any:
    """A column value as JSON (times as ISO 8601, decimals as strings)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value
