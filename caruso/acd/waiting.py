"""The waiting-call index of one queue.

Waiting calls (not those ringing an agent) are kept in one ``SortedList`` keyed ``(-priority, seq, call id)``:
a higher priority comes first, arrival order (``seq``) decides within a priority.  Each call's relaxation
step is kept beside it.

Within a queue and a priority the older call has waited longer, so its step is at least that of any younger
one (steps only widen with wait time, and every call of a queue follows the same schedule).  The first call
of a priority class therefore has the highest step of its class, and "the first call in line at step e or
later" is found by looking at the head of each priority class only: O(P log n), P the number of priorities
present (usually 1 to 3), whatever the number of calls.

The answers are cached per step (``heads[e]``: the first call in line at step e or later, e.g. 3 entries for
a queue with two relaxations), so a free agent reads one list entry per queue.  Adding a call or moving it
to a later step updates the cache in O(steps) (the minimum only falls); removing a cached head clears the
cache, and the next question rebuilds it from the priority class heads.
"""

from __future__ import annotations

from sortedcontainers import SortedList

CallKey = tuple[int, int, str]


class WaitingIndex:
    __slots__ = ("all", "steps", "heads", "size")

    def __init__(self, steps: int = 1) -> None:
        self.all = SortedList()
        self.steps: dict[CallKey, int] = {}
        self.size = steps
        self.heads: list[CallKey | None] | None = [None] * steps

    def __len__(self) -> int:
        return len(self.all)

    def add(self, key: CallKey, step: int) -> None:
        self.all.add(key)
        self.steps[key] = step
        heads = self.heads
        if heads is not None:
            self._lower(heads, key, 0, step)

    def remove(self, key: CallKey, step: int = 0) -> None:
        self.all.remove(key)
        del self.steps[key]
        heads = self.heads
        if heads is not None and key in heads:
            self.heads = None

    def move(self, key: CallKey, old: int, new: int) -> None:
        self.steps[key] = new
        heads = self.heads
        if heads is not None:
            self._lower(heads, key, old + 1, new)

    @staticmethod
    def _lower(heads: list[CallKey | None], key: CallKey, first: int, last: int) -> None:
        for e in range(first, min(last + 1, len(heads))):
            head = heads[e]
            if head is None or key < head:
                heads[e] = key

    def position(self, key: CallKey) -> int:
        """1 = next in line."""
        return self.all.bisect_left(key) + 1

    def best_from(self, step: int) -> CallKey | None:
        """The first call in line among those at ``step`` or later."""
        heads = self.heads
        if heads is None:
            heads = self.rebuild()
        return heads[step] if step < self.size else None

    def rebuild(self) -> list[CallKey | None]:
        """``heads`` from the head of each priority class (the head has the highest step of its class)."""
        calls, steps, size = self.all, self.steps, self.size
        heads: list[CallKey | None] = [None] * size
        filled = 0                       # heads[:filled] are set: each class head fills a prefix
        count = len(calls)
        index = 0
        while index < count and filled < size:
            head = calls[index]
            step = steps[head]
            while filled <= step and filled < size:
                heads[filled] = head
                filled += 1
            index = calls.bisect_left((head[0] + 1,))   # the next priority class
        self.heads = heads
        return heads

    def keys(self) -> list[CallKey]:
        return list(self.all)
