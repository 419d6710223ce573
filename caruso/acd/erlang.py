"""Erlang C: the queueing-theory figures of one queue with N agents, Poisson arrivals, exponential
handle times and no abandonment — what the simulator is checked against, and a capacity-planning aid."""

from __future__ import annotations

import math


def erlang_c(agents: int, erlangs: float) -> float:
    """Probability that a call waits (agents busy on arrival); 1 when the load reaches the agents."""
    if erlangs <= 0:
        return 0.0
    if erlangs >= agents:
        return 1.0
    term, total = 1.0, 1.0        # A^k / k!, summed for k < N, computed iteratively (no overflow)
    for k in range(1, agents):
        term *= erlangs / k
        total += term
    top = term * erlangs / agents * agents / (agents - erlangs)
    return top / (total + top)


def service_level(agents: int, erlangs: float, handle_time: float, threshold: float) -> float:
    """Share of calls answered within ``threshold`` seconds."""
    if erlangs >= agents:
        return 0.0
    return 1.0 - erlang_c(agents, erlangs) * math.exp(-(agents - erlangs) * threshold / handle_time)


def average_speed_of_answer(agents: int, erlangs: float, handle_time: float) -> float:
    """Mean wait over all calls, in seconds."""
    if erlangs >= agents:
        return math.inf
    return erlang_c(agents, erlangs) * handle_time / (agents - erlangs)
