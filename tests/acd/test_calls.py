"""Call and agent life: ring-no-answer, rejected/failed, callback, wrap-up, several queues, EWT, live changes."""

from __future__ import annotations

import pytest

from caruso.acd import (AgentConfig, AgentState, AgentStateChanged, CallQueued, CallRingFailed, CancelRing,
                        InvalidTransition, Membership, QueueConfig, RingOutcome, SkillRequirement, Strategy)

from tests.acd.helpers import agent, make_core, offer, reserves


def test_ring_no_answer_puts_the_call_back_at_its_place_and_the_agent_in_missed() -> None:
    core, clock = make_core([QueueConfig("q", ring_timeout=15)], [agent("a1", "q"), agent("a2", "q")])
    core.answered("busy", reserves(offer(core, "busy", "q"))[0].agents[0])      # a1 busy
    assert reserves(offer(core, "c1", "q"))[0].agents == ("a2",)
    offer(core, "c2", "q")
    clock.now += 15
    out = core.tick()
    assert any(isinstance(o, CancelRing) and o.agents == ("a2",) for o in out)
    assert [o.outcome for o in out if isinstance(o, CallRingFailed)] == [RingOutcome.NO_ANSWER]
    assert [o.call for o in out if isinstance(o, CallQueued) and o.requeued] == ["c1"]
    assert core.agent_view("a2").state is AgentState.MISSED
    assert core.waiting_calls("q") == ["c1", "c2"]          # c1 is first again, ahead of c2
    # a missed agent stays not ready until it resumes
    clock.now += 100
    core.tick()
    assert core.agent_view("a2").state is AgentState.MISSED
    assert reserves(core.agent_state("a2", AgentState.READY))[0].call == "c1"


@pytest.mark.parametrize("outcome", [RingOutcome.REJECTED, RingOutcome.FAILED])
def test_rejected_and_failed_are_told_apart_from_missed(outcome: RingOutcome) -> None:
    core, _ = make_core([QueueConfig("q")], [agent("a1", "q"), agent("a2", "q")])
    assert reserves(offer(core, "c1", "q"))[0].agents == ("a1",)
    out = core.ring_failed("c1", "a1", outcome)
    changed = [o for o in out if isinstance(o, AgentStateChanged) and o.agent == "a1"]
    assert changed[0].new is AgentState.MISSED and changed[0].reason == outcome.value
    assert reserves(out)[0].agents == ("a2",)               # the call moves on to the next agent


def test_callback_keeps_the_callers_place_and_rings_an_agent_when_it_reaches_the_front() -> None:
    core, clock = make_core([QueueConfig("q")], [agent("a1", "q")], ready=False)
    for call_id in ("c1", "c2", "c3"):
        offer(core, call_id, "q")
        clock.now += 5
    core.request_callback("c2", "+33611223344")
    assert core.waiting_calls("q") == ["c1", "c2", "c3"]
    core.agent_state("a1", AgentState.READY)
    core.answered("c1", "a1")
    out = core.call_ended("c1")
    (reserve,) = reserves(out)
    assert reserve.call == "c2" and reserve.callback and reserve.callback_number == "+33611223344"


def test_wrap_up_ends_by_itself_or_when_the_agent_says_ready() -> None:
    core, clock = make_core([QueueConfig("q")], [agent("a1", "q", wrap_up=30)])
    core.answered("c1", reserves(offer(core, "c1", "q"))[0].agents[0])
    clock.now += 60
    core.call_ended("c1")
    assert core.agent_view("a1").state is AgentState.WRAP_UP
    offer(core, "c2", "q")
    clock.now += 29
    assert not reserves(core.tick())
    clock.now += 1
    assert reserves(core.tick())[0].call == "c2"
    core.answered("c2", "a1")
    core.call_ended("c2")
    offer(core, "c3", "q")
    assert reserves(core.agent_state("a1", AgentState.READY))[0].call == "c3"


def test_an_agent_of_several_queues_takes_priority_then_longest_weighted_wait() -> None:
    queues = [QueueConfig("billing"), QueueConfig("outage", weight=3.0)]
    core, clock = make_core(queues, [agent("a1", "billing", "outage")], ready=False)
    offer(core, "b1", "billing")
    clock.now += 40
    offer(core, "o1", "outage")
    clock.now += 20          # b1 waited 60 s (x1), o1 20 s (x3 = 60): tie -> lower penalty, then earlier arrival
    offer(core, "vip", "outage", priority=9)
    core.agent_state("a1", AgentState.READY)
    order = [core.agent_view("a1").call]
    for _ in range(2):
        call = order[-1]
        core.answered(call, "a1")
        clock.now += 1
        core.call_ended(call)
        order.append(core.agent_view("a1").call)
    assert order == ["vip", "o1", "b1"]   # after 1 s more, o1's weighted wait (3 x 21) beats b1's 61


def test_agent_transitions_outside_calls_are_checked() -> None:
    core, _ = make_core([QueueConfig("q")], [agent("a1", "q")])
    offer(core, "c1", "q")
    with pytest.raises(InvalidTransition):
        core.agent_state("a1", AgentState.PAUSED)           # ringing: answer or fail the ring first
    core.answered("c1", "a1")
    with pytest.raises(InvalidTransition):
        core.agent_state("a1", AgentState.READY)            # on an ACD call
    core.call_ended("c1")
    core.agent_state("a1", AgentState.BUSY)                 # an outbound call
    assert not reserves(offer(core, "c2", "q"))
    assert reserves(core.agent_state("a1", AgentState.WRAP_UP))[0].call == "c2"


def test_state_changes_carry_the_time_spent_in_the_previous_state() -> None:
    core, clock = make_core([QueueConfig("q")], [agent("a1", "q")], ready=False)
    clock.now += 12
    core.agent_state("a1", AgentState.PAUSED, "coffee")
    clock.now += 300
    (changed,) = core.agent_state("a1", AgentState.READY)
    assert (changed.old, changed.new, changed.time_in_previous) == (AgentState.PAUSED, AgentState.READY, 300)
    view = core.agent_view("a1")
    assert view.time_in_state["logged_out"] == 12 and view.time_in_state["paused"] == 300


def test_ewt_is_corrected_by_actual_waits_and_its_error_is_kept() -> None:
    core, clock = make_core([QueueConfig("q", default_handle_time=100)], [agent("a1", "q")], ready=False)
    core.agent_state("a1", AgentState.READY)
    core.answered("busy", reserves(offer(core, "busy", "q"))[0].agents[0])
    for i in range(20):              # each caller predicted 100 s, actually waits 50 s
        offer(core, f"c{i}", "q")
        clock.now += 50
        core.call_ended("busy" if i == 0 else f"c{i - 1}")
        core.answered(f"c{i}", "a1")
    view = core.queue_view("q")
    assert view.ewt_mean_error < 0 and view.ewt_mean_abs_error > 0
    assert core.queues["q"].ewt.correction < 0.9


def test_configuration_changes_apply_without_restart() -> None:
    q = QueueConfig("q", skills=(SkillRequirement("gas", 50),))
    core, clock = make_core([q], [agent("a1", "q", skills={"gas": 10})])
    offer(core, "c1", "q")
    assert core.agent_view("a1").state is AgentState.READY            # not skilled enough
    out = core.set_agent(AgentConfig("a1", skills={"gas": 60}, queues=(Membership("q"),)))
    assert reserves(out)[0].call == "c1"                              # trained: takes the call at once
    core.answered("c1", "a1")
    core.call_ended("c1")
    offer(core, "c2", "q")
    core.set_agent(AgentConfig("a1", skills={"gas": 60}, queues=()))  # leaves the queue... while ringing
    core.ring_failed("c2", "a1")
    core.agent_state("a1", AgentState.READY)
    assert core.call_view("c2").status == "waiting"
    out = core.set_queue(QueueConfig("q", strategy=Strategy.LINEAR))  # the queue changes: c2 keeps its place
    core.set_agent(AgentConfig("a2", queues=(Membership("q"),)))
    assert reserves(core.agent_state("a2", AgentState.READY))[0].call == "c2"
    out = core.remove_queue("q")                                      # c2 was ringing a2: cancelled, sent away
    assert any(isinstance(o, CancelRing) for o in out) and "c2" not in core.calls
    assert core.agent_view("a2").state is AgentState.READY
    with pytest.raises(InvalidTransition):
        core.remove_agent("a2")
