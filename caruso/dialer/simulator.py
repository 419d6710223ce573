"""Run the real pacer against simulated calls: a discrete-event simulation, pure and seeded.

Agents all log in at time 0 and work for the whole run.  Each dialed line is answered live with the
answer rate (after a ring of a few seconds), else busy, failed, or rings until the ring time-out.  A live
answer takes a ready agent, else waits up to the grace for one, else is abandoned.  Talk times follow a
log-normal distribution with the given mean and coefficient of variation; wrap-up is fixed.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from typing import Any

from caruso.dialer.model import MAX_ABANDON_GRACE, DialMode, PacingSettings
from caruso.dialer.pacer import Pacer, PacerInputs

_ANSWER, _UNANSWERED, _GRACE, _TALK_END, _WRAP_END, _TICK = range(6)


@dataclass(frozen=True)
class SimParams:
    agents: int = 20
    answer_rate: float = 0.3
    handle_time: float = 180.0
    wrap_up: float = 30.0
    mode: DialMode = DialMode.PREDICTIVE
    hours: float = 8.0
    seed: int = 1
    handle_cv: float = 0.6               # spread of talk times (standard deviation / mean)
    ring_timeout: float = 25.0
    answer_delay: float = 8.0            # mean seconds of ringing before a live answer
    busy_share: float = 0.10             # of the unanswered calls
    failed_share: float = 0.03
    grace: float = MAX_ABANDON_GRACE
    tick: float = 1.0                    # seconds between pacing decisions
    pacing: PacingSettings = field(default_factory=PacingSettings)
    # (seconds from start, new answer rate): e.g. a sudden drop in answer rate mid-run
    answer_rate_changes: tuple[tuple[float, float], ...] = ()


@dataclass
class SimResult:
    params: SimParams
    dialed: int = 0
    answered: int = 0                    # live answers
    connected: int = 0
    abandoned: int = 0
    busy: int = 0
    no_answer: int = 0
    failed: int = 0
    occupancy: float = 0.0               # (talk + wrap-up) / logged-in time
    idle_between_calls: float = 0.0      # mean seconds an agent waited between two calls
    decisions: Counter[str] = field(default_factory=Counter)  # pacing decisions by mode used
    sample_decisions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def abandon_rate(self) -> float:
        return self.abandoned / self.answered if self.answered else 0.0

    def as_dict(self) -> dict[str, Any]:
        params = asdict(self.params)
        params["mode"] = self.params.mode.value
        return {"dialed": self.dialed, "answered": self.answered, "connected": self.connected,
                "abandoned": self.abandoned, "abandon_rate": round(self.abandon_rate, 5),
                "busy": self.busy, "no_answer": self.no_answer, "failed": self.failed,
                "occupancy": round(self.occupancy, 4), "idle_between_calls": round(self.idle_between_calls, 2),
                "decisions": dict(self.decisions), "sample_decisions": self.sample_decisions, "params": params}


def _lognormal(rng: random.Random, mean: float, cv: float) -> float:
    sigma2 = math.log(1.0 + cv * cv)
    return rng.lognormvariate(math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2))


class Simulation:
    def __init__(self, params: SimParams) -> None:
        self.p = params
        self.rng = random.Random(params.seed)
        self.pacer = Pacer(params.mode, params.pacing, grace=params.grace, ring_timeout=params.ring_timeout)
        self.result = SimResult(params)
        self.now = 0.0
        self._events: list[tuple[float, int, int, int]] = []
        self._seq = 0
        self._ready: deque[int] = deque(range(params.agents))     # longest idle first
        self._idle_since = [0.0] * params.agents
        self._talk_start: dict[int, float] = {}
        self._wrap_end: dict[int, float] = {}
        self._lines: dict[int, float] = {}                         # line -> dial time
        self._waiting: deque[int] = deque()                        # answered lines waiting for an agent
        self._busy_time = 0.0
        self._idle_time = 0.0
        self._rates = sorted(params.answer_rate_changes)

    def _at(self, when: float, kind: int, ref: int) -> None:
        self._seq += 1
        heapq.heappush(self._events, (when, self._seq, kind, ref))

    def _answer_rate(self) -> float:
        rate = self.p.answer_rate
        for start, changed in self._rates:
            if self.now >= start:
                rate = changed
        return rate

    def run(self) -> SimResult:
        end = self.p.hours * 3600.0
        self._at(0.0, _TICK, 0)
        while self._events:
            when, _, kind, ref = heapq.heappop(self._events)
            if when > end:
                break
            self.now = when
            if kind == _TICK:
                self._pace()
                self._at(when + self.p.tick, _TICK, 0)
            elif kind == _ANSWER:
                self._answered(ref)
            elif kind == _UNANSWERED:
                dialed = self._lines.pop(ref)
                self.pacer.record_attempt(answered=False, dialed_at=dialed, ring_seconds=when - dialed)
            elif kind == _GRACE:
                self._grace_over(ref)
            elif kind == _TALK_END:
                self._talk_end(ref)
            elif kind == _WRAP_END:
                self._agent_free(ref)
        self._finish(end)
        return self.result

    # pacing --------------------------------------------------------------------------------------
    def _pace(self) -> None:
        now = self.now
        inputs = PacerInputs(
            now=now, agents_ready=len(self._ready), agents_staffed=self.p.agents,
            wrap_up_left=tuple(t - now for t in self._wrap_end.values()),
            talking_for=tuple(now - t for t in self._talk_start.values()),
            ringing_for=tuple(now - t for t in self._lines.values()),
            waiting_answers=len(self._waiting), wrap_up=self.p.wrap_up)
        decision = self.pacer.decide(inputs)
        self.result.decisions[decision.mode.value] += 1
        if decision.dial and len(self.result.sample_decisions) < 5 and int(now) % 600 == 0:
            self.result.sample_decisions.append({"at": now, "dial": decision.dial, "reason": decision.reason})
        for _ in range(decision.dial):
            self._dial()

    def _dial(self) -> None:
        rng, p, res = self.rng, self.p, self.result
        res.dialed += 1
        self._seq += 1
        line = self._seq
        self._lines[line] = self.now
        if rng.random() < self._answer_rate():
            delay = min(_lognormal(rng, p.answer_delay, 0.5), p.ring_timeout - 0.5)
            self._at(self.now + delay, _ANSWER, line)
            return
        roll = rng.random()
        if roll < p.busy_share:
            res.busy += 1
            delay = rng.uniform(1.0, 4.0)
        elif roll < p.busy_share + p.failed_share:
            res.failed += 1
            delay = rng.uniform(0.5, 3.0)
        else:
            res.no_answer += 1
            delay = p.ring_timeout
        self._at(self.now + delay, _UNANSWERED, line)

    # calls and agents ----------------------------------------------------------------------------
    def _answered(self, line: int) -> None:
        dialed = self._lines.pop(line)
        self.pacer.record_attempt(answered=True, dialed_at=dialed, ring_seconds=self.now - dialed)
        self.result.answered += 1
        if self._ready:
            self._connect(self._ready.popleft(), line)
        else:
            self._waiting.append(line)
            self._at(self.now + self.p.grace, _GRACE, line)

    def _grace_over(self, line: int) -> None:
        if line in self._waiting:
            self._waiting.remove(line)
            self.result.abandoned += 1
            self.pacer.record_live_answer(self.now, abandoned=True)

    def _connect(self, agent: int, line: int) -> None:
        self.result.connected += 1
        self.pacer.record_live_answer(self.now, abandoned=False)
        self._idle_time += self.now - self._idle_since[agent]
        self._talk_start[agent] = self.now
        self._at(self.now + _lognormal(self.rng, self.p.handle_time, self.p.handle_cv), _TALK_END, agent)

    def _talk_end(self, agent: int) -> None:
        talk = self.now - self._talk_start.pop(agent)
        self.pacer.record_talk(talk)
        self._busy_time += talk
        if self.p.wrap_up > 0:
            self._wrap_end[agent] = self.now + self.p.wrap_up
            self._at(self.now + self.p.wrap_up, _WRAP_END, agent)
        else:
            self._agent_free(agent)

    def _agent_free(self, agent: int) -> None:
        if self._wrap_end.pop(agent, None) is not None:
            self._busy_time += self.p.wrap_up
        self._idle_since[agent] = self.now
        if self._waiting:
            self._connect(agent, self._waiting.popleft())
        else:
            self._ready.append(agent)

    def _finish(self, end: float) -> None:
        busy = self._busy_time
        busy += sum(end - t for t in self._talk_start.values())
        busy += sum(self.p.wrap_up - (t - end) for t in self._wrap_end.values())
        res = self.result
        res.occupancy = busy / (self.p.agents * end) if end else 0.0
        idle = self._idle_time + sum(end - self._idle_since[a] for a in self._ready)
        res.idle_between_calls = idle / res.connected if res.connected else 0.0


def simulate(params: SimParams) -> SimResult:
    return Simulation(params).run()
