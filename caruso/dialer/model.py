"""A campaign's configuration and a contact to call: plain frozen data, validated on construction.

The lawful limits are checked here, once: ring at least 15 s, an abandonment cap of at most 3 %,
at most 2 s to find an agent for a live answer, an identification message for abandoned calls.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import time
from typing import Any, Mapping

from caruso.dialer.errors import CampaignConfigError

MIN_RING_SECONDS = 15.0        # ring each call at least this long before giving up
MAX_ABANDON_CAP = 0.03         # abandoned / live answers over a rolling 30 days
MAX_ABANDON_GRACE = 2.0        # a live answer must reach an agent within this many seconds
ABANDON_WINDOW_DAYS = 30


class DialMode(str, enum.Enum):
    PREVIEW = "preview"            # the agent sees the customer and script first, then dials
    PROGRESSIVE = "progressive"    # one line per ready agent
    PREDICTIVE = "predictive"      # dials ahead of agents becoming free


class Purpose(str, enum.Enum):
    SERVICE = "service"
    MARKETING = "marketing"


class CampaignStatus(str, enum.Enum):
    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    FINISHED = "finished"


class AttemptResult(str, enum.Enum):
    CONNECTED = "connected"        # answered live and bridged to an agent
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    REJECTED = "rejected"
    FAILED = "failed"
    ABANDONED = "abandoned"        # answered live, no agent within the grace: identification played
    MACHINE = "machine"            # answering machine (only where the driver detects it)
    BLOCKED = "blocked"            # the compliance gate refused the dial


@dataclass(frozen=True, slots=True)
class CallingWindow:
    """Allowed local hours on some week days (0 = Monday).  ``end`` is exclusive."""

    start: time
    end: time
    days: frozenset[int] = frozenset(range(5))

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise CampaignConfigError(f"window {self.start}-{self.end}: start must be before end",
                                      setting="calling_windows")
        if not self.days or not self.days <= frozenset(range(7)):
            raise CampaignConfigError(f"days {sorted(self.days)}: expected week days 0 (Monday) .. 6",
                                      setting="calling_windows")

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> CallingWindow:
        try:
            start, end = time.fromisoformat(str(data["start"])), time.fromisoformat(str(data["end"]))
        except (KeyError, ValueError) as exc:
            raise CampaignConfigError(f"{dict(data)}: needs start and end as HH:MM", setting="calling_windows") from exc
        days = frozenset(int(d) for d in data.get("days", range(5)))
        return cls(start, end, days)

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start.strftime("%H:%M"), "end": self.end.strftime("%H:%M"), "days": sorted(self.days)}


DEFAULT_WINDOWS = (CallingWindow(time(9), time(20), frozenset(range(5))),
                   CallingWindow(time(10), time(18), frozenset({5})))


@dataclass(frozen=True, slots=True)
class RetryRules:
    """How often and how soon a contact is tried again, by the last attempt's result."""

    max_attempts: int = 3
    no_answer_gap: float = 3600.0
    busy_gap: float = 900.0
    rejected_gap: float = 4 * 3600.0
    failed_gap: float = 1800.0
    machine_gap: float = 4 * 3600.0
    # after an abandoned call, the next call comes no sooner and only with an agent already reserved
    abandoned_gap: float = 72 * 3600.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise CampaignConfigError("must be at least 1", setting="retry.max_attempts")
        for name in ("no_answer_gap", "busy_gap", "rejected_gap", "failed_gap", "machine_gap", "abandoned_gap"):
            if getattr(self, name) < 60:
                raise CampaignConfigError("a retry gap is at least 60 s", setting=f"retry.{name}")

    def gap_after(self, result: AttemptResult) -> float:
        return {
            AttemptResult.NO_ANSWER: self.no_answer_gap,
            AttemptResult.BUSY: self.busy_gap,
            AttemptResult.REJECTED: self.rejected_gap,
            AttemptResult.FAILED: self.failed_gap,
            AttemptResult.MACHINE: self.machine_gap,
            AttemptResult.ABANDONED: self.abandoned_gap,
        }.get(result, self.no_answer_gap)


@dataclass(frozen=True, slots=True)
class PacingSettings:
    target_abandon: float = 0.015       # what the predictive pacer aims at (below the cap)
    abandon_cap: float = MAX_ABANDON_CAP
    max_lines_per_agent: float = 12.0   # hard ceiling on lines in flight per staffed agent
    # progressive until this many outcomes and live answers are seen (quick failures come back first)
    learning_outcomes: int = 30
    learning_answers: int = 10

    def __post_init__(self) -> None:
        if not 0 < self.abandon_cap <= MAX_ABANDON_CAP:
            raise CampaignConfigError(f"{self.abandon_cap}: must be within (0, {MAX_ABANDON_CAP}]",
                                      setting="abandon_cap")
        if not 0 < self.target_abandon <= self.abandon_cap:
            raise CampaignConfigError(f"{self.target_abandon}: must be within (0, abandon_cap]",
                                      setting="target_abandon")
        if self.max_lines_per_agent < 1:
            raise CampaignConfigError("must be at least 1", setting="max_lines_per_agent")


@dataclass(frozen=True, slots=True)
class CampaignSpec:
    name: str
    mode: DialMode = DialMode.PROGRESSIVE
    purpose: Purpose = Purpose.SERVICE
    queue: str | None = None
    script: str | None = None
    caller_id: str | None = None
    label: str = ""
    windows: tuple[CallingWindow, ...] = DEFAULT_WINDOWS
    retry: RetryRules = field(default_factory=RetryRules)
    pacing: PacingSettings = field(default_factory=PacingSettings)
    ring_timeout: float = 25.0
    abandon_grace: float = MAX_ABANDON_GRACE
    # played to a live answer that found no agent: who called and how to reach them
    identification_message: str = ""
    # the contact list: a business-object query {"object": ..., "where": ...} or a CSV import name
    contact_source: Mapping[str, Any] = field(default_factory=dict)
    # run answering-machine detection where the telephony driver offers it (Asterisk AMD()); it delays
    # the live answer by the detection time, before the 2 s grace starts
    detect_machines: bool = False

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > 64 or not self.name.replace("-", "").replace("_", "").isalnum():
            raise CampaignConfigError(f"{self.name!r}: 1-64 letters, digits, '-' or '_'", setting="name")
        if self.ring_timeout < MIN_RING_SECONDS:
            raise CampaignConfigError(f"{self.ring_timeout} s: a call rings at least {MIN_RING_SECONDS:g} s",
                                      setting="ring_timeout")
        if not 0 < self.abandon_grace <= MAX_ABANDON_GRACE:
            raise CampaignConfigError(f"{self.abandon_grace} s: must be within (0, {MAX_ABANDON_GRACE:g}]",
                                      setting="abandon_grace")
        if not self.windows:
            raise CampaignConfigError("at least one calling window", setting="calling_windows")
        if self.mode is DialMode.PREDICTIVE and not self.identification_message.strip():
            raise CampaignConfigError("predictive dialing needs the message played to abandoned calls",
                                      setting="identification_message")


@dataclass(frozen=True, slots=True)
class Contact:
    """One entry of a campaign's list, as the dialer needs it at dial time."""

    id: int
    number: str                          # E.164
    customer_object: str | None = None
    customer_key: str | None = None
    timezone: str | None = None          # from the customer record, when it has one
    attempts: int = 0
    next_attempt_at: float | None = None
    agent_required: bool = False         # dial only with an agent reserved (after an abandoned call)
    data: Mapping[str, Any] = field(default_factory=dict)


_TRANSITIONS: dict[str, tuple[frozenset[CampaignStatus], CampaignStatus]] = {
    "start": (frozenset({CampaignStatus.DRAFT, CampaignStatus.PAUSED, CampaignStatus.STOPPED,
                         CampaignStatus.FINISHED, CampaignStatus.RUNNING}), CampaignStatus.RUNNING),
    "pause": (frozenset({CampaignStatus.RUNNING, CampaignStatus.PAUSED}), CampaignStatus.PAUSED),
    "stop": (frozenset({CampaignStatus.DRAFT, CampaignStatus.RUNNING, CampaignStatus.PAUSED,
                        CampaignStatus.STOPPED}), CampaignStatus.STOPPED),
}


def transition(name: str, current: CampaignStatus, action: str) -> CampaignStatus:
    """The status after *action* (start, pause, stop), or CampaignStateError."""
    from caruso.dialer.errors import CampaignStateError

    allowed, target = _TRANSITIONS[action]
    if current not in allowed:
        raise CampaignStateError(f"campaign {name!r} is {current.value}: it cannot {action}")
    return target
