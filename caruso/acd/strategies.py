"""Routing strategies: how ready agents are ordered in a queue's index and which one a call gets.

Every strategy orders agents first by penalty (the lowest tier is offered first, as in Asterisk), then
by a strategy key, then by the agent's sequence number (a stable tie-break).  The index is a
``SortedList`` of these keys, so each pick is O(log n):

- longest idle: (penalty, idle since, seq) — the agent whose last call ended longest ago;
- fewest calls: (penalty, calls answered in this queue, idle since, seq);
- linear: (penalty, order, seq) — the configured fixed order;
- round robin with memory: (penalty, order, seq), starting after the agent the queue served last, wrapping;
- random: uniform within the lowest penalty tier;
- weighted random: over every eligible agent, weight 1 / (1 + penalty) (O(P log n), P distinct penalties);
- ring all: every agent of the lowest tier, up to the queue's ring_all_limit.
"""

from __future__ import annotations

import random
from typing import Any

from sortedcontainers import SortedList

from caruso.acd.model import Strategy

Key = tuple[Any, ...]


def agent_key(strategy: Strategy, penalty: int, order: int, idle_since: float, calls: int, seq: int) -> Key:
    if strategy is Strategy.LONGEST_IDLE:
        return (penalty, idle_since, seq)
    if strategy is Strategy.FEWEST_CALLS:
        return (penalty, calls, idle_since, seq)
    if strategy in (Strategy.LINEAR, Strategy.ROUND_ROBIN):
        return (penalty, order, seq)
    return (penalty, seq)


def _tier_end(ready: SortedList, penalty: int) -> int:
    return ready.bisect_left((penalty + 1,))


def pick(strategy: Strategy, ready: SortedList, rng: random.Random, rr_last: Key | None,
         ring_all_limit: int) -> list[Key]:
    """The key(s) of the agent(s) to ring, from a non-empty index."""
    first = ready[0]
    if strategy in (Strategy.LONGEST_IDLE, Strategy.FEWEST_CALLS, Strategy.LINEAR):
        return [first]
    penalty = first[0]
    if strategy is Strategy.ROUND_ROBIN:
        if rr_last is not None and rr_last[0] == penalty:
            index = ready.bisect_right(rr_last)
            if index < _tier_end(ready, penalty):
                return [ready[index]]
        return [first]
    if strategy is Strategy.RANDOM:
        return [ready[rng.randrange(_tier_end(ready, penalty))]]
    if strategy is Strategy.WEIGHTED_RANDOM:
        tiers = []
        start, total = 0, 0.0
        while start < len(ready):
            tier_penalty = ready[start][0]
            end = _tier_end(ready, tier_penalty)
            weight = (end - start) / (1 + tier_penalty)
            tiers.append((start, end, weight))
            total += weight
            start = end
        point = rng.random() * total
        for start, end, weight in tiers:
            if point < weight:
                return [ready[start + min(end - start - 1, int(point / weight * (end - start)))]]
            point -= weight
        start, end, _ = tiers[-1]
        return [ready[end - 1]]
    # ring all
    end = min(_tier_end(ready, penalty), ring_all_limit)
    return list(ready.islice(0, end))
