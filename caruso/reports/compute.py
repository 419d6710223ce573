"""Compute a report from stored facts (pure): per queue, per agent, voicemail, script outcomes and paths."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from caruso.reports.facts import Period, ReportFacts
from caruso.reports.metrics import DEFAULT_SL_SECONDS, QueueCounters, fold_call

STATES = ("ready", "reserved", "busy", "wrap_up", "paused", "missed")   # logged_out is not availability


@dataclass(slots=True)
class AgentFigures:
    agent: str
    answered: int = 0
    talk_sum: float = 0.0
    state_seconds: dict[str, float] = field(default_factory=dict)
    pause_reasons: Counter[str] = field(default_factory=Counter)

    @property
    def logged_in(self) -> float:
        return sum(v for k, v in self.state_seconds.items() if k != "logged_out")

    @property
    def handle_sum(self) -> float:
        return self.talk_sum + self.state_seconds.get("wrap_up", 0.0)

    @property
    def average_handle(self) -> float:
        return self.handle_sum / self.answered if self.answered else 0.0

    @property
    def average_talk(self) -> float:
        return self.talk_sum / self.answered if self.answered else 0.0

    @property
    def occupancy(self) -> float:
        """Share of logged-in time spent on calls (reserved, busy, wrap-up)."""
        busy = sum(self.state_seconds.get(s, 0.0) for s in ("reserved", "busy", "wrap_up"))
        return busy / self.logged_in if self.logged_in else 0.0


@dataclass(slots=True)
class ScriptFigures:
    script: str
    runs: int = 0
    finished: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    paths: Counter[tuple[str, ...]] = field(default_factory=Counter)


@dataclass(slots=True)
class Report:
    period: Period
    queues: dict[str, QueueCounters] = field(default_factory=dict)
    total: QueueCounters = field(default_factory=QueueCounters)
    agents: dict[str, AgentFigures] = field(default_factory=dict)
    voicemail: dict[str, list[int]] = field(default_factory=dict)     # mailbox -> [left, listened]
    scripts: dict[str, ScriptFigures] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()},
            "queues": {name: c.as_dict() for name, c in sorted(self.queues.items())},
            "total": self.total.as_dict(),
            "agents": {a.agent: {"answered": a.answered, "talk_seconds": round(a.talk_sum, 1),
                                 "average_talk": round(a.average_talk, 1),
                                 "average_handle": round(a.average_handle, 1),
                                 "occupancy": round(a.occupancy, 4), "logged_in_seconds": round(a.logged_in, 1),
                                 "state_seconds": {k: round(v, 1) for k, v in sorted(a.state_seconds.items())},
                                 "pause_reasons": dict(a.pause_reasons)}
                       for a in sorted(self.agents.values(), key=lambda a: a.agent)},
            "voicemail": {box: {"left": left, "listened": heard} for box, (left, heard) in sorted(self.voicemail.items())},
            "scripts": {s.script: {"runs": s.runs, "finished": s.finished, "outcomes": dict(s.outcomes.most_common()),
                                   "top_paths": [{"path": list(p), "runs": n} for p, n in s.paths.most_common(5)]}
                        for s in sorted(self.scripts.values(), key=lambda s: s.script)},
        }


def _clip(start: datetime, end: datetime | None, period: Period, now: datetime) -> float:
    stop = min(end or now, period.end)
    return max(0.0, (stop - max(start, period.start)).total_seconds())


def compute(facts: ReportFacts) -> Report:
    report = Report(facts.period)
    now = facts.now or facts.period.end
    for call in facts.calls:
        if call.queue is None:
            continue
        sl = facts.sl_seconds.get(call.queue, DEFAULT_SL_SECONDS)
        fold_call(report.queues.setdefault(call.queue, QueueCounters()), call, sl)
        fold_call(report.total, call, sl)
        if call.answered and call.agent:
            figures = report.agents.setdefault(call.agent, AgentFigures(call.agent))
            figures.answered += 1
            figures.talk_sum += call.talk or 0.0
    for period in facts.states:
        figures = report.agents.setdefault(period.agent, AgentFigures(period.agent))
        seconds = _clip(period.started, period.ended, facts.period, now)
        figures.state_seconds[period.state] = figures.state_seconds.get(period.state, 0.0) + seconds
        if period.state == "paused" and period.reason:
            figures.pause_reasons[period.reason] += 1
    for vm in facts.voicemails:
        counts = report.voicemail.setdefault(vm.mailbox, [0, 0])
        counts[0] += 1
        counts[1] += int(vm.listened)
    for run in facts.scripts:
        figures_s = report.scripts.setdefault(run.script, ScriptFigures(run.script))
        figures_s.runs += 1
        figures_s.finished += int(run.status == "finished")
        figures_s.outcomes[run.outcome or "(none)"] += 1
        if run.path:
            figures_s.paths[run.path] += 1
    return report
