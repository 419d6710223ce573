"""The waiting-call index of one queue.

Waiting calls (not those ringing an agent) are kept in one ``SortedList`` keyed ``(-priority, seq, call id)``:
a higher priority comes first, arrival order (``seq``) decides within a priority.  Each call's relaxation
step is kept beside it.

Within a queue and a priority the older call has waited longer, so its step is at least that of any younger
one (steps only widen with wait time, and every call of a queue follows the same schedule).  The first call
of a priority class therefore has the highest step of its class, and "the first call in line at step e or
later" is found by looking at the head of each priority class only: O(P log n), P the number of priorities
present (usually 1 to 3), whatever the number of calls.
"""

from __future__ import annotations

from sortedcontainers import SortedList

CallKey = tuple[int, int, str]


class WaitingIndex:
    __slots__ = ("all", "steps")

    def __init__(self, steps: int = 1) -> None:
        self.all = SortedList()
        self.steps: dict[CallKey, int] = {}

    def __len__(self) -> int:
        return len(self.all)

    def add(self, key: CallKey, step: int) -> None:
        self.all.add(key)
        self.steps[key] = step

    def remove(self, key: CallKey, step: int = 0) -> None:
        self.all.remove(key)
        del self.steps[key]

    def move(self, key: CallKey, old: int, new: int) -> None:
        self.steps[key] = new

    def position(self, key: CallKey) -> int:
        """1 = next in line."""
        return self.all.bisect_left(key) + 1

    def best_from(self, step: int) -> CallKey | None:
        """The first call in line among those at ``step`` or later."""
        calls, steps = self.all, self.steps
        size = len(calls)
        index = 0
        while index < size:
            head = calls[index]
            if steps[head] >= step:
                return head
            index = calls.bisect_left((head[0] + 1,))   # the next priority class
        return None

    def keys(self) -> list[CallKey]:
        return list(self.all)
