"""The live status, projected from ACD events: pure and synchronous (times come with the events).

Each ``on_*`` method applies one fact and returns the messages to push: whole entities
(``{"type": "agent", "agent": {...}}``, ``{"type": "queue", "queue": {...}}``), so a browser just
replaces what it shows, and a lost message is healed by the next one or a snapshot.  The day's
counters follow the shared rules in caruso/reports/metrics.py and restart at local midnight.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from caruso.reports.metrics import DEFAULT_SL_SECONDS, QueueCounters

Message = dict[str, Any]


@dataclass(slots=True)
class AgentStatus:
    id: str
    name: str = ""
    state: str = "logged_out"
    reason: str = ""
    since: float = 0.0
    call: str | None = None
    queues: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name or self.id, "state": self.state, "reason": self.reason,
                "since": self.since, "call": self.call, "queues": list(self.queues)}


@dataclass(slots=True)
class QueueStatus:
    id: str
    name: str = ""
    sl_seconds: float = DEFAULT_SL_SECONDS
    waiting: dict[str, tuple[float, str]] = field(default_factory=dict)   # call -> (waiting since, caller)
    ewt: float = 0.0
    today: QueueCounters = field(default_factory=QueueCounters)

    def as_dict(self, now: float) -> dict[str, Any]:
        oldest = min((since for since, _ in self.waiting.values()), default=None)
        return {"id": self.id, "name": self.name or self.id, "sl_seconds": self.sl_seconds,
                "waiting": len(self.waiting),
                "calls": [{"call": c, "since": s, "caller": who} for c, (s, who) in
                          sorted(self.waiting.items(), key=lambda kv: kv[1][0])],
                "oldest_since": oldest, "longest_wait": round(now - oldest, 1) if oldest is not None else 0.0,
                "ewt": round(self.ewt, 1), "today": self.today.as_dict()}


class StatusProjection:
    def __init__(self, *, day_of: Callable[[float], date] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.agents: dict[str, AgentStatus] = {}
        self.queues: dict[str, QueueStatus] = {}
        self.campaigns: dict[str, dict[str, Any]] = {}
        self._day_of = day_of or (lambda ts: datetime.fromtimestamp(ts).date())
        self._clock = clock
        self.day: date | None = None
        # call -> queue, for calls answered but not ended (talk time, transfers)
        self._connected: dict[str, str] = {}

    # configuration ------------------------------------------------------------------------------
    def set_agent(self, agent: str, *, name: str = "", queues: tuple[str, ...] = ()) -> list[Message]:
        status = self.agents.setdefault(agent, AgentStatus(agent))
        status.name, status.queues = name or status.name, queues or status.queues
        return [self._agent_msg(status)]

    def set_queue(self, queue: str, *, name: str = "", sl_seconds: float | None = None) -> list[Message]:
        status = self._queue(queue)
        status.name = name or status.name
        if sl_seconds is not None:
            status.sl_seconds = sl_seconds
        return [self._queue_msg(status, self._clock())]

    def seed_today(self, queue: str, counters: QueueCounters, day: date) -> None:
        """Start from the day's counters computed from storage (after a restart)."""
        self.day = day
        self._queue(queue).today = counters

    # facts --------------------------------------------------------------------------------------
    def on_agent_state(self, agent: str, state: str, at: float, *, reason: str = "",
                       call: str | None = None) -> list[Message]:
        status = self.agents.setdefault(agent, AgentStatus(agent))
        status.state, status.since, status.reason, status.call = state, at, reason, call or None
        return [self._agent_msg(status)]

    def on_queued(self, call: str, queue: str, at: float, *, caller: str = "", ewt: float | None = None,
                  requeued: bool = False) -> list[Message]:
        status = self._queue(queue)
        self._roll(at)
        if not requeued:
            status.today.on_offered()
        since = status.waiting.get(call, (at, caller))[0] if requeued else at
        status.waiting[call] = (since, caller)
        if ewt is not None:
            status.ewt = ewt
        return [self._queue_msg(status, at)]

    def on_answered(self, call: str, queue: str, at: float, waited: float) -> list[Message]:
        status = self._queue(queue)
        self._roll(at)
        status.waiting.pop(call, None)
        status.today.on_answered(waited, status.sl_seconds)
        self._connected[call] = queue
        return [self._queue_msg(status, at)]

    def on_abandoned(self, call: str, queue: str, at: float, waited: float) -> list[Message]:
        status = self._queue(queue)
        self._roll(at)
        status.waiting.pop(call, None)
        status.today.on_abandoned(waited)
        return [self._queue_msg(status, at)]

    def on_overflowed(self, call: str, queue: str, at: float) -> list[Message]:
        status = self._queue(queue)
        self._roll(at)
        status.waiting.pop(call, None)
        status.today.on_overflowed()
        return [self._queue_msg(status, at)]

    def on_transferred(self, call: str, at: float) -> list[Message]:
        queue = self._connected.get(call)
        if queue is None:
            return []
        self._roll(at)
        self.queues[queue].today.on_transferred()
        return [self._queue_msg(self.queues[queue], at)]

    def on_ended(self, call: str, at: float, talked: float) -> list[Message]:
        queue = self._connected.pop(call, None)
        if queue is None:
            return []
        self._roll(at)
        self.queues[queue].today.on_ended(talked)
        return [self._queue_msg(self.queues[queue], at)]

    def on_campaign(self, campaign: str, data: dict[str, Any]) -> list[Message]:
        self.campaigns[campaign] = {"id": campaign, **data}
        return [{"type": "campaign", "campaign": self.campaigns[campaign]}]

    # output -------------------------------------------------------------------------------------
    def snapshot(self) -> Message:
        now = self._clock()
        return {"type": "snapshot", "at": now, "day": self.day.isoformat() if self.day else None,
                "agents": [a.as_dict() for a in self.agents.values()],
                "queues": [q.as_dict(now) for q in self.queues.values()],
                "campaigns": list(self.campaigns.values())}

    def _queue(self, queue: str) -> QueueStatus:
        status = self.queues.get(queue)
        if status is None:
            status = self.queues[queue] = QueueStatus(queue)
        return status

    def _roll(self, at: float) -> None:
        day = self._day_of(at)
        if self.day is None:
            self.day = day
        elif day > self.day:
            self.day = day
            for status in self.queues.values():
                status.today = QueueCounters()

    def _agent_msg(self, status: AgentStatus) -> Message:
        return {"type": "agent", "agent": status.as_dict()}

    def _queue_msg(self, status: QueueStatus, now: float) -> Message:
        return {"type": "queue", "queue": status.as_dict(now)}
