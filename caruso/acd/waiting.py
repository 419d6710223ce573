"""The waiting-call index of one queue, and the table of every queue's first calls in line.

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
a queue with two relaxations).  Adding a call or moving it to a later step updates the cache in O(steps) (the
minimum only falls); removing a cached head rebuilds it from the priority class heads at once.

Every change of a head is also written to the ``HeadTable``, shared by all queues: per (queue, step) and
penalty, the head's rank as a tuple.  A free agent's decision reads there (``Engine._best_call_for``): from the
agent it touches only its route (a tuple of cell numbers) and then one list every decision shares, which so
stays in the CPU caches, and compares the few ranks in C (``min``); a per-queue structure per agent would cost
a cache miss per object on the way at 10,000 agents, and comparing in Python costs several times more.
"""

from __future__ import annotations

from bisect import insort
from typing import Any

from sortedcontainers import SortedList

CallKey = tuple[int, int, str, float]
EMPTY = float("inf")
EMPTY_RANK = (EMPTY,)    # the rank of a slot without a call: after every real one (a tuple starting -priority)


class HeadTable:
    """Every queue's first call in line per relaxation step, as ranks a free agent compares at C speed.

    A queue takes a block of consecutive *slots* (one per step) when it is set up and gives it back when it is
    changed or removed.  For each slot and each penalty some agent has in that queue there is a *cell*: the
    head's rank ``(-priority, joined, penalty, seq, call)`` — the order a free agent takes calls in when its
    queues have the same weight (``Engine._best_call_for``) — or ``EMPTY_RANK``.  The cells are rewritten when
    the head changes (a handful per change: one per penalty in use).  An agent's route is a tuple of cell
    numbers, so its decision is ``min`` over a few entries of one list that every decision shares.  Cell 0
    is always empty: it pads the routes of agents in fewer than three queues.
    """

    __slots__ = ("cells", "cell_weight", "numbers", "variants", "heads", "weight", "free", "empty")

    def __init__(self) -> None:
        self.cells: list[tuple] = [EMPTY_RANK]     # cell -> rank; cell 0 stays empty (pads short routes)
        self.cell_weight: list[float] = [1.0]      # cell -> its queue's weight
        self.numbers: list[int] = [0]              # cell -> its number as one int object shared by every route
        self.empty = 0
        self.variants: list[dict[int, int]] = []   # slot -> {penalty: cell}
        self.heads: list[tuple[CallKey, Any] | None] = []   # slot -> (key, call) of its head, or None
        self.weight: list[float] = []         # slot -> the queue's weight
        self.free: dict[int, list[int]] = {}  # block size -> bases of blocks given back

    def allocate(self, size: int, weight: float) -> int:
        bases = self.free.get(size)
        if bases:
            base = bases.pop()
        else:
            base = len(self.heads)
            for _ in range(size):
                self.variants.append({})
                self.heads.append(None)
                self.weight.append(weight)
        for slot in range(base, base + size):
            self.weight[slot], self.heads[slot] = weight, None
            for cell in self.variants[slot].values():
                self.cells[cell], self.cell_weight[cell] = EMPTY_RANK, weight
        return base

    def release(self, base: int, size: int) -> None:
        for slot in range(base, base + size):
            self.put(slot, None, None)
        self.free.setdefault(size, []).append(base)

    def cell(self, slot: int, penalty: int) -> int:
        """The number of the cell for agents with this penalty at this slot (made on first use)."""
        cell = self.variants[slot].get(penalty)
        if cell is None:
            cell = self.variants[slot][penalty] = len(self.cells)
            head = self.heads[slot]
            self.cells.append(EMPTY_RANK if head is None else self._rank(head[0], penalty, head[1]))
            self.cell_weight.append(self.weight[slot])
            self.numbers.append(cell)
        return self.numbers[cell]

    @staticmethod
    def _rank(key: CallKey, penalty: int, call: Any) -> tuple:
        return (key[0], key[3], penalty, key[1], call)

    def put(self, slot: int, key: CallKey | None, call: Any) -> None:
        cells = self.cells
        if key is None:
            self.heads[slot] = None
            for cell in self.variants[slot].values():
                cells[cell] = EMPTY_RANK
        else:
            self.heads[slot] = (key, call)
            priority, joined, seq = key[0], key[3], key[1]
            for penalty, cell in self.variants[slot].items():
                cells[cell] = (priority, joined, penalty, seq, call)


class WaitingIndex:
    __slots__ = ("classes", "order", "steps", "calls", "heads", "size", "count", "table", "base")

    def __init__(self, steps: int = 1, table: HeadTable | None = None, weight: float = 1.0) -> None:
        self.classes: dict[int, SortedList] = {}   # -priority -> its calls in arrival order
        self.order: list[int] = []                 # the classes present, first in line first
        self.steps: dict[CallKey, int] = {}
        self.calls: dict[CallKey, Any] = {}        # key -> the call's runtime record
        self.size = steps
        self.count = 0
        self.heads: list[CallKey | None] = [None] * steps
        self.table = table if table is not None else HeadTable()
        self.base = self.table.allocate(steps, weight)

    def __len__(self) -> int:
        return self.count

    def close(self) -> None:
        """Give the slots back to the table (the queue is replaced or removed)."""
        self.table.release(self.base, self.size)

    def add(self, key: CallKey, step: int, call: Any = None) -> None:
        calls = self.classes.get(key[0])
        if calls is None:
            calls = self.classes[key[0]] = SortedList()
            insort(self.order, key[0])
        calls.add(key)
        self.steps[key] = step
        self.calls[key] = call
        self.count += 1
        self._lower(key, 0, step)

    def remove(self, key: CallKey, step: int = 0) -> None:
        calls = self.classes[key[0]]
        calls.remove(key)
        if not calls:
            del self.classes[key[0]]
            self.order.remove(key[0])
        del self.steps[key]
        del self.calls[key]
        self.count -= 1
        if key in self.heads:
            self.rebuild()

    def move(self, key: CallKey, old: int, new: int) -> None:
        self.steps[key] = new
        self._lower(key, old + 1, new)

    def _lower(self, key: CallKey, first: int, last: int) -> None:
        heads, table, base = self.heads, self.table, self.base
        for e in range(first, min(last + 1, len(heads))):
            head = heads[e]
            if head is None or key < head:
                heads[e] = key
                table.put(base + e, key, self.calls[key])

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
        """``heads`` (and the table's slots) from the head of each priority class (the head has the highest
        step of its class)."""
        steps, size, classes, heads, table, base = self.steps, self.size, self.classes, self.heads, self.table, \
            self.base
        filled = 0                       # heads[:filled] are set: each class head fills a prefix
        for priority in self.order:
            head = classes[priority][0]
            step = steps[head]
            while filled <= step:
                if heads[filled] is not head:    # slots whose head stays are not rewritten
                    heads[filled] = head
                    table.put(base + filled, head, self.calls[head])
                filled += 1
            if filled >= size:
                break
        while filled < size:
            if heads[filled] is not None:
                heads[filled] = None
                table.put(base + filled, None, None)
            filled += 1

    def keys(self) -> list[CallKey]:
        """Every waiting call's key, first in line first."""
        classes = self.classes
        return [key for priority in self.order for key in classes[priority]]
