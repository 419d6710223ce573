"""The dialer's events on the bus (for the status monitor and history)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from caruso.events import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignStatusChanged(Event):
    kind: ClassVar[str] = "dialer.campaign_status"
    campaign: str
    status: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignProgress(Event):
    kind: ClassVar[str] = "dialer.campaign_progress"
    campaign: str
    status: str
    dialed: int = 0
    answered: int = 0
    connected: int = 0
    abandoned: int = 0
    no_answer: int = 0
    busy: int = 0
    failed: int = 0
    blocked: int = 0
    remaining: int = 0
    abandon_rate_30d: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class PacingDecided(Event):
    """Published when the pacer dials or changes mode; each carries its inputs and reason."""

    kind: ClassVar[str] = "dialer.pacing"
    campaign: str
    dial: int
    mode: str
    reason: str
    decision: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class DialBlocked(Event):
    kind: ClassVar[str] = "dialer.dial_blocked"
    campaign: str
    contact_id: int
    reason: str
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignCallConnected(Event):
    """A campaign call reached its agent: for the agent desktop (screen pop, the campaign's script)."""

    kind: ClassVar[str] = "dialer.call_connected"
    campaign: str
    call_id: str
    agent: str
    contact_id: int
    number: str
    customer_object: str | None = None
    customer_key: str | None = None
    script: str | None = None
