"""Runs the real ACD core in simulated time: Poisson arrivals, exponential handle times and patience
(constant when told), agents that answer at once.  For capacity planning and for checking the ACD
against queueing theory (erlang.py).

Statistics count the calls that arrive after the warm-up (default: the first tenth of the run), so the
empty start does not flatter the figures.
"""

from __future__ import annotations

import heapq
import itertools
import random
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from caruso.acd.core import AcdCore
from caruso.acd.decisions import CallAbandoned, CallAnswered, CallQueued, Overflow, Reserve
from caruso.acd.erlang import average_speed_of_answer, erlang_c, service_level
from caruso.acd.model import AgentConfig, AgentState, CallOffer, Membership, QueueConfig, Strategy

Distribution = Literal["exponential", "constant"]


@dataclass(frozen=True)
class SimulationSettings:
    agents: int = 10
    queues: int = 1
    calls_per_hour: float = 100.0
    handle_time: float = 180.0
    patience: float | None = None         # mean seconds before a waiting caller hangs up; None: never
    strategy: Strategy = Strategy.LONGEST_IDLE
    hours: float = 8.0
    seed: int = 1
    handle_distribution: Distribution = "exponential"
    patience_distribution: Distribution = "exponential"
    service_level_seconds: float = 20.0
    wrap_up: float = 0.0
    warmup: float | None = None           # seconds not counted; None: a tenth of the run


@dataclass
class SimulationResult:
    settings: dict[str, Any]
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    overflowed: int = 0
    service_level: float = 0.0            # answered within the threshold / (answered + abandoned after it)
    average_speed_of_answer: float = 0.0  # mean wait of answered calls, seconds
    occupancy: float = 0.0                # time on calls (ringing, talking, wrap-up) / time logged in
    ewt_mean_abs_error: float = 0.0       # |actual wait - EWT announced on joining|, answered calls, seconds
    ewt_mean_error: float = 0.0           # actual - estimated (positive: the estimate was too short)
    erlang_c: dict[str, float] = field(default_factory=dict)   # theory for the same load (one queue, no abandon)
    realized_calls_per_hour: float = 0.0  # what the random draws gave, after the warm-up
    realized_handle_time: float = 0.0
    core_decisions: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Simulation:
    def __init__(self, settings: SimulationSettings) -> None:
        self.s = settings
        self.rng = random.Random(settings.seed)
        self.now = 0.0
        self.events: list[tuple[float, int, str, str]] = []
        self._seq = itertools.count()
        queue_ids = [f"q{i + 1}" for i in range(settings.queues)]
        self.queue_ids = queue_ids
        queues = [QueueConfig(q, strategy=settings.strategy, service_level_seconds=settings.service_level_seconds,
                              default_handle_time=settings.handle_time + settings.wrap_up,
                              ring_timeout=3600.0) for q in queue_ids]
        agents = [AgentConfig(f"agent{i + 1}", queues=tuple(Membership(q, order=i) for q in queue_ids),
                              wrap_up=settings.wrap_up) for i in range(settings.agents)]
        self.core = AcdCore(lambda: self.now, seed=settings.seed, queues=queues, agents=agents)
        self.warmup = settings.hours * 360.0 if settings.warmup is None else settings.warmup
        self.counted: dict[str, float] = {}      # call id -> predicted wait, for calls after the warm-up
        self.result = SimulationResult(settings={k: (v.value if isinstance(v, Strategy) else v)
                                                 for k, v in asdict(settings).items()})
        self._in_sl = self._abandoned_after_sl = 0
        self._wait_sum = self._abs_err = self._err = self._handle_sum = 0.0

    def _draw(self, mean: float, distribution: Distribution) -> float:
        return mean if distribution == "constant" else self.rng.expovariate(1.0 / mean)

    def _push(self, when: float, kind: str, ref: str) -> None:
        heapq.heappush(self.events, (when, next(self._seq), kind, ref))

    def run(self) -> SimulationResult:
        s, end = self.s, self.s.hours * 3600.0
        for agent_id in list(self.core.agents):
            self._handle(self.core.agent_state(agent_id, AgentState.READY))
        rate = s.calls_per_hour / 3600.0
        if rate > 0:
            self._push(self.rng.expovariate(rate), "arrival", "")
        calls = itertools.count(1)
        while True:
            deadline = self.core.next_deadline()
            when = self.events[0][0] if self.events else None
            if deadline is not None and (when is None or deadline < when):
                if deadline > end:
                    break
                self.now = deadline
                self._handle(self.core.tick())
                continue
            if when is None or when > end:
                break
            self.now, _, kind, ref = heapq.heappop(self.events)
            if kind == "arrival":
                call_id = f"call{next(calls)}"
                self._push(self.now + self.rng.expovariate(rate), "arrival", "")
                if s.patience is not None:
                    self._push(self.now + self._draw(s.patience, s.patience_distribution), "patience", call_id)
                if self.now >= self.warmup:
                    self.result.offered += 1
                    self.counted[call_id] = 0.0
                queue = self.queue_ids[self.rng.randrange(len(self.queue_ids))]
                self._handle(self.core.offer(CallOffer(call_id, queue)))
            elif kind == "patience":
                call = self.core.calls.get(ref)
                if call is not None and call.agent is None:
                    self._handle(self.core.abandon(ref))
            elif kind == "end" and ref in self.core.calls:
                self._handle(self.core.call_ended(ref))
        return self._finish(end)

    def _handle(self, outputs: list) -> None:
        s = self.s
        for out in outputs:
            if isinstance(out, Reserve):
                self.result.core_decisions += 1
                self._handle(self.core.answered(out.call, out.agents[0]))
            elif isinstance(out, CallQueued) and not out.requeued and out.call in self.counted:
                self.counted[out.call] = out.ewt
            elif isinstance(out, CallAnswered):
                handle = self._draw(s.handle_time, s.handle_distribution)
                self._push(self.now + handle, "end", out.call)
                if out.call in self.counted:
                    self._handle_sum += handle
                    self.result.answered += 1
                    self._wait_sum += out.waited
                    self._in_sl += out.waited <= s.service_level_seconds
                    error = out.waited - self.counted[out.call]
                    self._abs_err += abs(error)
                    self._err += error
            elif isinstance(out, CallAbandoned) and out.call in self.counted:
                self.result.abandoned += 1
                self._abandoned_after_sl += out.waited > s.service_level_seconds
            elif isinstance(out, Overflow) and out.call in self.counted:
                self.result.overflowed += 1

    def _finish(self, end: float) -> SimulationResult:
        r, s = self.result, self.s
        base = r.answered + self._abandoned_after_sl
        r.service_level = self._in_sl / base if base else 1.0
        r.average_speed_of_answer = self._wait_sum / r.answered if r.answered else 0.0
        r.ewt_mean_abs_error = self._abs_err / r.answered if r.answered else 0.0
        r.ewt_mean_error = self._err / r.answered if r.answered else 0.0
        r.realized_calls_per_hour = r.offered / max(end - self.warmup, 1e-9) * 3600.0
        r.realized_handle_time = self._handle_sum / r.answered if r.answered else 0.0
        working = logged = 0.0
        for agent_id in self.core.agents:
            totals = self.core.agent_view(agent_id, end).time_in_state
            working += totals["reserved"] + totals["busy"] + totals["wrap_up"]
            logged += end - totals["logged_out"] - totals["paused"]
        r.occupancy = working / logged if logged else 0.0
        erlangs = s.calls_per_hour / 3600.0 * (s.handle_time + s.wrap_up)
        r.erlang_c = {
            "erlangs": erlangs,
            "probability_of_waiting": erlang_c(s.agents, erlangs),
            "service_level": service_level(s.agents, erlangs, s.handle_time + s.wrap_up, s.service_level_seconds),
            "average_speed_of_answer": average_speed_of_answer(s.agents, erlangs, s.handle_time + s.wrap_up),
            "occupancy": min(1.0, erlangs / s.agents) if s.agents else 0.0,
        }
        return r


def simulate(settings: SimulationSettings) -> SimulationResult:
    return Simulation(settings).run()
