"""The core's mutable runtime records of agents, calls and queues (private to the core)."""

from __future__ import annotations

import enum

from sortedcontainers import SortedList

from caruso.acd.ewt import EwtEstimator
from caruso.acd.model import AgentConfig, AgentState, CallOffer, QueueConfig
from caruso.acd.skills import Step, steps_of
from caruso.acd.strategies import Key
from caruso.acd.waiting import CallKey, HeadTable, WaitingIndex

# states in which an agent counts as staffing its queues (for EWT and the leave/join-empty rules)
STAFFED = frozenset({AgentState.READY, AgentState.RESERVED, AgentState.BUSY, AgentState.WRAP_UP})


class MemberRuntime:
    __slots__ = ("queue", "penalty", "order", "eligible_from", "calls", "key")

    def __init__(self, queue: str, penalty: int, order: int, eligible_from: int | None) -> None:
        self.queue = queue
        self.penalty = penalty
        self.order = order
        self.eligible_from = eligible_from
        self.calls = 0                  # calls answered from this queue (fewest-calls strategy)
        self.key: Key | None = None     # its key in the queue's ready indexes while READY


class AgentRuntime:
    # the decision's fields first: a free agent's decision reads them right after the object's header
    __slots__ = ("fast", "c0", "c1", "c2", "route", "weighted", "config", "seq", "state", "since", "reason",
                 "totals", "created", "idle_since", "call", "members", "epoch")

    def __init__(self, config: AgentConfig, seq: int, now: float) -> None:
        self.config = config
        self.seq = seq
        self.state = AgentState.LOGGED_OUT
        self.since = now
        self.reason = ""
        self.totals: dict[AgentState, float] = dict.fromkeys(AgentState, 0.0)
        self.created = now
        self.idle_since = now
        self.call: str | None = None
        self.members: dict[str, MemberRuntime] = {}
        self.epoch = 0
        # the HeadTable cells (queue, step from which the agent is eligible, its penalty there) of the queues
        # it may take calls from: rebuilt when the agent's or one of its queues' configuration changes (None: not yet)
        self.route: tuple[int, ...] | None = None
        self.weighted = False       # its queues have different weights (the route is ranked by the time now)
        # the route is in c0..c2 (up to three queues of one weight, padded with HeadTable.empty)
        self.fast = False
        self.c0 = self.c1 = self.c2 = 0


class CallStatus(str, enum.Enum):
    WAITING = "waiting"
    RINGING = "ringing"
    CONNECTED = "connected"


class CallRuntime:
    __slots__ = ("offer", "queue", "key", "joined", "arrived", "step", "status", "ringing", "agent",
                 "answered_at", "callback", "callback_number", "hops", "predicted", "epoch", "ring_epoch")

    def __init__(self, offer: CallOffer, queue: str, key: CallKey, now: float, arrived: float, hops: int) -> None:
        self.offer = offer
        self.queue = queue
        self.key = key
        self.joined = now          # joined the current queue
        self.arrived = arrived     # first offered to the ACD
        self.step = 0
        self.status = CallStatus.WAITING
        self.ringing: tuple[str, ...] = ()
        self.agent: str | None = None
        self.answered_at = 0.0
        self.callback = False
        self.callback_number = ""
        self.hops = hops
        self.predicted = 0.0
        self.epoch = 0             # bumped when the call's queue timers must be forgotten
        self.ring_epoch = 0        # bumped when a ring ends

    @property
    def id(self) -> str:
        return self.offer.id


class QueueStats:
    __slots__ = ("offered", "answered", "abandoned", "overflowed", "answered_in_sl", "abandoned_after_sl",
                 "wait_sum")

    def __init__(self) -> None:
        self.offered = self.answered = self.abandoned = self.overflowed = 0
        self.answered_in_sl = self.abandoned_after_sl = 0
        self.wait_sum = 0.0

    def service_level(self) -> float:
        """Answered within the threshold / (answered + abandoned after the threshold)."""
        base = self.answered + self.abandoned_after_sl
        return self.answered_in_sl / base if base else 1.0


class QueueRuntime:
    __slots__ = ("config", "steps", "ready", "waiting", "calls", "logged_in", "staffed", "rr_last", "stats",
                 "ewt")

    def __init__(self, config: QueueConfig, table: HeadTable | None = None) -> None:
        self.config = config
        self.steps: tuple[Step, ...] = steps_of(config)
        self.ready = [SortedList() for _ in self.steps]
        self.waiting = WaitingIndex(len(self.steps), table, config.weight)
        self.calls: set[str] = set()     # every call of the queue still in the ACD (waiting, ringing, connected)
        self.logged_in = 0
        self.staffed = 0
        self.rr_last: Key | None = None
        self.stats = QueueStats()
        self.ewt = EwtEstimator(config.default_handle_time)
