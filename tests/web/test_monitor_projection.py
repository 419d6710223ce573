"""The status projection and its counters, applied fact by fact with explicit times."""

from __future__ import annotations

from datetime import date

from caruso.monitor.projection import StatusProjection
from caruso.reports.metrics import CallFacts, QueueCounters, fold_call


def day_of(ts: float) -> date:
    return date(2026, 1, 1 + int(ts // 86400))


def test_queue_counters_and_waiting_calls() -> None:
    p = StatusProjection(day_of=day_of, clock=lambda: 100.0)
    p.set_queue("sales", name="Sales", sl_seconds=20)
    p.on_queued("c1", "sales", 10.0, caller="+331")
    p.on_queued("c2", "sales", 20.0, caller="+332")
    [msg] = p.on_queued("c3", "sales", 30.0, caller="+333", ewt=42.0)
    q = msg["queue"]
    assert q["waiting"] == 3 and q["oldest_since"] == 10.0 and q["longest_wait"] == 20.0 and q["ewt"] == 42.0
    assert [c["call"] for c in q["calls"]] == ["c1", "c2", "c3"]
    p.on_answered("c1", "sales", 25.0, waited=15.0)       # within 20 s
    p.on_abandoned("c2", "sales", 60.0, waited=40.0)
    p.on_queued("c3", "sales", 61.0, requeued=True)        # a ring not answered: keeps its place, not re-offered
    [msg] = p.on_answered("c3", "sales", 70.0, waited=40.0)
    today = msg["queue"]["today"]
    assert (today["offered"], today["answered"], today["abandoned"], today["answered_in_sl"]) == (3, 2, 1, 1)
    assert today["service_level"] == round(1 / 3, 4) and today["average_wait"] == 27.5
    assert msg["queue"]["waiting"] == 0
    p.on_transferred("c1", 80.0)
    [msg] = p.on_ended("c1", 90.0, talked=65.0)
    assert msg["queue"]["today"]["transferred"] == 1 and msg["queue"]["today"]["average_talk"] == 65.0


def test_counters_restart_at_midnight_but_waiting_calls_stay() -> None:
    p = StatusProjection(day_of=day_of, clock=lambda: 0.0)
    p.on_queued("c1", "q", 86000.0)
    p.on_queued("c2", "q", 86500.0)     # the next day
    snap = p.snapshot()
    [q] = snap["queues"]
    assert q["today"]["offered"] == 1 and q["waiting"] == 2 and snap["day"] == "2026-01-02"


def test_agent_states() -> None:
    p = StatusProjection(day_of=day_of, clock=lambda: 0.0)
    p.set_agent("a1", name="Ann", queues=("sales",))
    [msg] = p.on_agent_state("a1", "paused", 5.0, reason="lunch")
    assert msg == {"type": "agent", "agent": {"id": "a1", "name": "Ann", "state": "paused", "reason": "lunch",
                                              "since": 5.0, "call": None, "queues": ["sales"]}}


def test_stored_calls_fold_to_the_same_counters_as_live_events() -> None:
    live = StatusProjection(day_of=day_of, clock=lambda: 0.0)
    live.set_queue("q", sl_seconds=20)
    stored = QueueCounters()
    calls = [("c1", "answered", 5.0, 30.0), ("c2", "abandoned", 25.0, None), ("c3", "answered", 21.0, 10.0),
             ("c4", "overflow", 60.0, None), ("c5", "transferred", 3.0, 12.0)]
    for i, (call, outcome, wait, talk) in enumerate(calls):
        live.on_queued(call, "q", float(i))
        if outcome == "abandoned":
            live.on_abandoned(call, "q", i + wait, wait)
        elif outcome == "overflow":
            live.on_overflowed(call, "q", i + wait)
        else:
            live.on_answered(call, "q", i + wait, wait)
            if outcome == "transferred":
                live.on_transferred(call, i + wait + 1)
            live.on_ended(call, i + wait + talk, talk)
        fold_call(stored, CallFacts(queue="q", outcome=outcome, queued=True, answered=talk is not None,
                                    wait=wait, talk=talk, ended=True), 20)
    assert live.queues["q"].today == stored
