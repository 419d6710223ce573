"""A heap of timers with lazy cancellation: an entry carries the epoch of the object it is about, and
fires only if that object is still at the same epoch (any state change bumps it)."""

from __future__ import annotations

import heapq
import itertools
from typing import NamedTuple


class Timer(NamedTuple):
    when: float
    seq: int
    kind: str      # "step", "max_wait", "announce", "ring", "wrap_up"
    ref: str       # call or agent id
    epoch: int
    arg: int = 0


_new = tuple.__new__


class TimerHeap:
    __slots__ = ("_heap", "_seq")

    def __init__(self) -> None:
        self._heap: list[Timer] = []
        self._seq = itertools.count()

    def __len__(self) -> int:
        return len(self._heap)

    def add(self, when: float, kind: str, ref: str, epoch: int, arg: int = 0) -> None:
        # tuple.__new__ skips the NamedTuple's Python-level __new__ (a third of the cost of adding a timer)
        heapq.heappush(self._heap, _new(Timer, (when, next(self._seq), kind, ref, epoch, arg)))

    def next_due(self) -> float | None:
        return self._heap[0].when if self._heap else None

    def pop_due(self, now: float) -> Timer | None:
        if self._heap and self._heap[0].when <= now:
            return heapq.heappop(self._heap)
        return None
