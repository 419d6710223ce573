"""The waiting-call index of one queue.

Waiting calls (not those ringing an agent) are kept twice, keyed ``(-priority, seq, call id)`` so that a
higher priority comes first and arrival order (``seq``) decides within a priority:

- ``by_step[k]``: the calls currently at relaxation step k — an agent eligible from step e looks at the
  heads of ``by_step[e:]`` only;
- ``all``: every waiting call, for positions (rank) and the queue length.

Every operation is O(log n) in the number of waiting calls (times the handful of steps).
"""

from __future__ import annotations

from sortedcontainers import SortedList

CallKey = tuple[int, int, str]


class WaitingIndex:
    __slots__ = ("by_step", "all")

    def __init__(self, steps: int) -> None:
        self.by_step = [SortedList() for _ in range(steps)]
        self.all = SortedList()

    def __len__(self) -> int:
        return len(self.all)

    def add(self, key: CallKey, step: int) -> None:
        self.by_step[step].add(key)
        self.all.add(key)

    def remove(self, key: CallKey, step: int) -> None:
        self.by_step[step].remove(key)
        self.all.remove(key)

    def move(self, key: CallKey, old: int, new: int) -> None:
        self.by_step[old].remove(key)
        self.by_step[new].add(key)

    def position(self, key: CallKey) -> int:
        """1 = next in line."""
        return self.all.bisect_left(key) + 1

    def best_from(self, step: int) -> CallKey | None:
        """The first call in line among those at ``step`` or later."""
        best = None
        for sl in self.by_step[step:]:
            if sl:
                head = sl[0]
                if best is None or head < best:
                    best = head
        return best

    def keys(self) -> list[CallKey]:
        return list(self.all)
