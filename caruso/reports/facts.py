"""The stored records a report reads, as plain data (built by caruso/storage/reports_repository.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from caruso.reports.metrics import CallFacts

__all__ = ["CallFacts", "Period", "ReportFacts", "ScriptRunFacts", "StatePeriod", "VoicemailFacts"]


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime    # aware, inclusive
    end: datetime      # aware, exclusive

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a report period needs aware datetimes")
        if self.end <= self.start:
            raise ValueError("a report period must end after it starts")

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True, slots=True)
class StatePeriod:
    agent: str
    state: str
    reason: str | None
    started: datetime
    ended: datetime | None     # None: still in that state


@dataclass(frozen=True, slots=True)
class VoicemailFacts:
    mailbox: str
    listened: bool


@dataclass(frozen=True, slots=True)
class ScriptRunFacts:
    script: str
    outcome: str | None
    status: str
    path: tuple[str, ...]       # step ids in the order visited


@dataclass(frozen=True, slots=True)
class ReportFacts:
    period: Period
    calls: list[CallFacts] = field(default_factory=list)
    states: list[StatePeriod] = field(default_factory=list)
    voicemails: list[VoicemailFacts] = field(default_factory=list)
    scripts: list[ScriptRunFacts] = field(default_factory=list)
    sl_seconds: dict[str, float] = field(default_factory=dict)    # queue -> service-level threshold
    now: datetime | None = None      # clips open state periods (default: the period's end)
