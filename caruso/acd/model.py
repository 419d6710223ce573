"""The ACD's configuration and call records: plain frozen data, validated on construction.

Nothing here does I/O; the storage repository and the CLI build these from the database or arguments.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from caruso.acd.errors import AcdConfigError


MAX_PRIORITY = 1_000_000_000   # a call's priority, either way (the core keeps it in a machine integer)


class AgentState(str, enum.Enum):
    LOGGED_OUT = "logged_out"
    READY = "ready"
    RESERVED = "reserved"      # ringing for a call
    BUSY = "busy"              # on a call, inbound or outbound
    WRAP_UP = "wrap_up"        # timed; ends by itself or when the agent says ready
    PAUSED = "paused"          # with a reason code
    MISSED = "missed"          # rang and did not answer / rejected / failed: not ready until resumed


class Strategy(str, enum.Enum):
    RING_ALL = "ring_all"
    LONGEST_IDLE = "longest_idle"
    FEWEST_CALLS = "fewest_calls"
    ROUND_ROBIN = "round_robin"          # with memory: continues after the agent served last
    LINEAR = "linear"                    # fixed order
    RANDOM = "random"
    WEIGHTED_RANDOM = "weighted_random"  # weight 1 / (1 + penalty)


class RingOutcome(str, enum.Enum):
    NO_ANSWER = "no_answer"
    REJECTED = "rejected"
    FAILED = "failed"


class OverflowKind(str, enum.Enum):
    QUEUE = "queue"          # target: another queue's id
    VOICEMAIL = "voicemail"  # target: a mailbox (empty: the queue's)
    CALLBACK = "callback"    # the caller leaves a number and hangs up; the call keeps its place
    NUMBER = "number"        # target: a phone number to transfer to
    HANGUP = "hangup"        # target: the message to play before hanging up


class EmptyRule(str, enum.Enum):
    """When a queue counts as empty for joining/leaving."""

    NEVER = "never"            # joining: always allowed / leaving: never forced
    NO_AGENTS = "no_agents"    # no member logged in
    NONE_READY = "none_ready"  # no member logged in and able to take calls soon (ready, ringing, busy, wrap-up)


@dataclass(frozen=True, slots=True)
class SkillRequirement:
    skill: str
    min_level: int = 1

    def __post_init__(self) -> None:
        if not self.skill:
            raise AcdConfigError("a skill requirement needs a skill name")
        if not 1 <= self.min_level <= 100:
            raise AcdConfigError(f"skill {self.skill!r}: level {self.min_level} is not within 1..100")


@dataclass(frozen=True, slots=True)
class Relaxation:
    """After ``after`` seconds of waiting, every required skill accepts level >= ``min_level`` (1: any level)."""

    after: float
    min_level: int = 1

    def __post_init__(self) -> None:
        if self.after <= 0:
            raise AcdConfigError(f"relaxation after {self.after} s: must be > 0")
        if not 1 <= self.min_level <= 100:
            raise AcdConfigError(f"relaxation level {self.min_level} is not within 1..100")


@dataclass(frozen=True, slots=True)
class OverflowTarget:
    kind: OverflowKind = OverflowKind.HANGUP
    target: str = ""

    def __post_init__(self) -> None:
        if self.kind in (OverflowKind.QUEUE, OverflowKind.NUMBER) and not self.target:
            raise AcdConfigError(f"overflow to {self.kind.value} needs a target")


@dataclass(frozen=True, slots=True)
class QueueConfig:
    id: str
    name: str = ""
    strategy: Strategy = Strategy.LONGEST_IDLE
    skills: tuple[SkillRequirement, ...] = ()
    relaxation: tuple[Relaxation, ...] = ()
    max_wait: float | None = None            # seconds; then overflow
    overflow: OverflowTarget = field(default_factory=OverflowTarget)
    max_length: int | None = None            # waiting calls; beyond: overflow at once
    join_empty: EmptyRule = EmptyRule.NEVER  # refuse new calls when the queue is empty by this rule
    leave_empty: EmptyRule = EmptyRule.NEVER  # send waiting calls away when it becomes empty by this rule
    service_level_seconds: float = 20.0
    service_level_target: float = 0.8
    ring_timeout: float = 15.0
    weight: float = 1.0                      # multiplies wait time when an agent of several queues chooses
    announce_interval: float = 0.0           # position/EWT announcement period; 0: none
    music: str = "default"                   # music-on-hold class for the telephony host
    announcement: str = ""                   # greeting played on joining
    default_handle_time: float = 180.0       # seed of the estimated wait time
    ring_all_limit: int = 50                 # at most this many agents rung at once

    def __post_init__(self) -> None:
        if not self.id:
            raise AcdConfigError("a queue needs an id")
        names = [req.skill for req in self.skills]
        if len(set(names)) != len(names):
            raise AcdConfigError(f"queue {self.id!r}: a skill is required twice")
        afters = [r.after for r in self.relaxation]
        if afters != sorted(afters) or len(set(afters)) != len(afters):
            raise AcdConfigError(f"queue {self.id!r}: relaxation steps must have increasing times")
        levels = [r.min_level for r in self.relaxation]
        if levels != sorted(levels, reverse=True):
            raise AcdConfigError(f"queue {self.id!r}: relaxation levels must not increase over time")
        for name, value in (("max_wait", self.max_wait), ("max_length", self.max_length)):
            if value is not None and value < 0:
                raise AcdConfigError(f"queue {self.id!r}: {name} must be >= 0")
        if self.ring_timeout <= 0 or self.weight <= 0 or self.ring_all_limit < 1:
            raise AcdConfigError(f"queue {self.id!r}: ring_timeout, weight and ring_all_limit must be > 0")
        if self.overflow.kind is OverflowKind.QUEUE and self.overflow.target == self.id:
            raise AcdConfigError(f"queue {self.id!r} overflows to itself")


@dataclass(frozen=True, slots=True)
class Membership:
    """An agent serves a queue with a penalty (lower is offered first) and a place in a linear order."""

    queue: str
    penalty: int = 0
    order: int = 0

    def __post_init__(self) -> None:
        if self.penalty < 0:
            raise AcdConfigError(f"queue {self.queue!r}: penalty must be >= 0")


@dataclass(frozen=True, slots=True)
class AgentConfig:
    id: str
    name: str = ""
    phone: str = ""                       # SIP URI, registered softphone, or a plain number (remote agent)
    skills: Mapping[str, int] = field(default_factory=dict)
    queues: tuple[Membership, ...] = ()
    wrap_up: float = 0.0                  # seconds
    max_calls: int = 1

    def __post_init__(self) -> None:
        if not self.id:
            raise AcdConfigError("an agent needs an id")
        for skill, level in self.skills.items():
            if not 1 <= level <= 100:
                raise AcdConfigError(f"agent {self.id!r}: skill {skill!r} level {level} is not within 1..100")
        object.__setattr__(self, "skills", MappingProxyType(dict(self.skills)))
        seen = [m.queue for m in self.queues]
        if len(set(seen)) != len(seen):
            raise AcdConfigError(f"agent {self.id!r}: a queue is listed twice")
        if self.wrap_up < 0:
            raise AcdConfigError(f"agent {self.id!r}: wrap_up must be >= 0")
        if self.max_calls != 1:
            raise AcdConfigError(f"agent {self.id!r}: only one concurrent call per agent is supported")

    def membership(self, queue: str) -> Membership | None:
        for m in self.queues:
            if m.queue == queue:
                return m
        return None


@dataclass(frozen=True, slots=True)
class CallOffer:
    """A call offered to a queue.  ``priority``: higher is served first (VIP); FIFO within a priority."""

    id: str
    queue: str
    priority: int = 0
    caller: str = ""

    def __post_init__(self) -> None:
        if not -MAX_PRIORITY <= self.priority <= MAX_PRIORITY:
            raise AcdConfigError(f"call {self.id!r}: priority {self.priority} is not within "
                                 f"-{MAX_PRIORITY:,}..{MAX_PRIORITY:,}")
