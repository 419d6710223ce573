"""The waiting-call index of one queue.

Waiting calls (not those ringing an agent) are keyed ``(-priority, seq, call id, joined)``: a higher priority
comes first, arrival order (``seq``, unique) decides within a priority; the time the call joined the queue
rides along so that ranking a head needs no look-up of the call.  They are kept in one ``SortedList`` per priority
class (the classes present in a short sorted list), each call's relaxation step beside it.

Within a queue and a priority the older call has waited longer, so its step is at least that of any younger
one (steps only widen with wait time, and every call of a queue follows the same schedule).  The first call
of a priority class therefore has the highest step of its class, and "the first call in line at step e or
later" is found by looking at the head of each priority class only: O(P), P the number of priorities
present (usually 1 to 3), whatever the number of calls.

The answers are cached per step (``heads[e]``: the first call in line at step e or later, e.g. 3 entries for
a queue with two relaxations), so a free agent reads one list entry per queue.  Adding a call or moving it
to a later step updates the cache in O(steps) (the minimum only falls); removing a cached head rebuilds it
from the priority class heads at once, so the routing decision itself is a plain read.
"""

from __future__ import annotations

from bisect import insort

from sortedcontainers import SortedList

CallKey = tuple[int, int, str, float]


class WaitingIndex:
    __slots__ = ("classes", "order", "steps", "heads", "size", "count")

    def __init__(self, steps: int = 1) -> None:
        self.classes: dict[int, SortedList] = {}   # -priority -> its calls in arrival order
        self.order: list[int] = []                 # the classes present, first in line first
        self.steps: dict[CallKey, int] = {}
        self.size = steps
        self.count = 0
        self.heads: list[CallKey | None] = [None] * steps

    def __len__(self) -> int:
        return self.count

    def add(self, key: CallKey, step: int) -> None:
        calls = self.classes.get(key[0])
        if calls is None:
            calls = self.classes[key[0]] = SortedList()
            insort(self.order, key[0])
        calls.add(key)
        self.steps[key] = step
        self.count += 1
        self._lower(self.heads, key, 0, step)

    def remove(self, key: CallKey, step: int = 0) -> None:
        calls = self.classes[key[0]]
        calls.remove(key)
        if not calls:
            del self.classes[key[0]]
            self.order.remove(key[0])
        del self.steps[key]
        self.count -= 1
        if key in self.heads:
            self.rebuild()

    def move(self, key: CallKey, old: int, new: int) -> None:
        self.steps[key] = new
        self._lower(self.heads, key, old + 1, new)

    @staticmethod
    def _lower(heads: list[CallKey | None], key: CallKey, first: int, last: int) -> None:
        for e in range(first, min(last + 1, len(heads))):
            head = heads[e]
            if head is None or key < head:
                heads[e] = key

    def position(self, key: CallKey) -> int:
        """1 = next in line."""
        before = 0
        classes = self.classes
        for priority in self.order:
            if priority >= key[0]:
                break
            before += len(classes[priority])
        calls = classes.get(key[0])
        return before + (calls.bisect_left(key) if calls is not None else 0) + 1

    def best_from(self, step: int) -> CallKey | None:
        """The first call in line among those at ``step`` or later."""
        return self.heads[step] if step < self.size else None

    def rebuild(self) -> None:
        """``heads`` from the head of each priority class (the head has the highest step of its class).
        The list is changed in place: the agents' routes hold it."""
        steps, size, classes, heads = self.steps, self.size, self.classes, self.heads
        filled = 0                       # heads[:filled] are set: each class head fills a prefix
        for priority in self.order:
            head = classes[priority][0]
            step = steps[head]
            while filled <= step:
                heads[filled] = head
                filled += 1
            if filled >= size:
                break
        while filled < size:
            heads[filled] = None
            filled += 1

    def keys(self) -> list[CallKey]:
        """Every waiting call's key, first in line first."""
        classes = self.classes
        return [key for priority in self.order for key in classes[priority]]
