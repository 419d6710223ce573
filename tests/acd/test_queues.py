"""Queue rules: skills and relaxation, priority, overflow, length, empty rules, announcements."""

from __future__ import annotations

import pytest

from caruso.acd import (AcdConfigError, AgentState, Announce, CallOffer, EmptyRule, Overflow, OverflowKind,
                        OverflowTarget, QueueConfig, Relaxation, SkillRequirement, UnknownQueue)

from tests.acd.helpers import agent, make_core, offer, reserves

BILLING = QueueConfig("billing", skills=(SkillRequirement("billing", 80),),
                      relaxation=(Relaxation(30, 50), Relaxation(60, 1)))


def test_relaxation_widens_the_skill_requirement_over_wait_time() -> None:
    core, clock = make_core([BILLING], [agent("low", "billing", skills={"billing": 20}),
                                        agent("mid", "billing", skills={"billing": 60}),
                                        agent("none", "billing", skills={})])
    assert not reserves(offer(core, "c1", "billing"))
    clock.now += 29.9
    assert not reserves(core.tick())
    clock.now += 0.1
    assert reserves(core.tick())[0].agents == ("mid",)
    assert not reserves(offer(core, "c2", "billing"))
    clock.now += 60
    assert reserves(core.tick())[0].agents == ("low",)
    # an agent without the skill never takes the queue's calls
    offer(core, "c3", "billing")
    clock.now += 1000
    assert not reserves(core.tick())


def test_a_skilled_agent_is_taken_at_once() -> None:
    core, _ = make_core([BILLING], [agent("expert", "billing", skills={"billing": 90})])
    assert reserves(offer(core, "c1", "billing"))[0].agents == ("expert",)


def test_vip_callers_jump_ahead_fifo_within_a_priority() -> None:
    core, clock = make_core([QueueConfig("q")], [agent("a1", "q")], ready=False)
    for call_id, priority in (("c1", 0), ("c2", 0), ("vip1", 5), ("vip2", 5), ("c3", 0)):
        offer(core, call_id, "q", priority)
        clock.now += 1
    assert core.waiting_calls("q") == ["vip1", "vip2", "c1", "c2", "c3"]
    assert core.call_view("c1").position == 3
    order = []
    core.agent_state("a1", AgentState.READY)
    for _ in range(5):
        call = core.agent_view("a1").call
        order.append(call)
        core.answered(call, "a1")
        core.call_ended(call)
    assert order == ["vip1", "vip2", "c1", "c2", "c3"]


def test_max_wait_overflows_to_another_queue_which_serves_the_call() -> None:
    sales = QueueConfig("sales")
    q = QueueConfig("q", max_wait=60, overflow=OverflowTarget(OverflowKind.QUEUE, "sales"))
    core, clock = make_core([q, sales], [agent("a1", "sales")], ready=False)
    offer(core, "c1", "q")
    core.agent_state("a1", AgentState.PAUSED, "training")
    clock.now += 59
    assert not core.tick()
    clock.now += 1
    out = core.tick()
    assert [o.reason for o in out if isinstance(o, Overflow)] == ["max_wait"]
    assert core.call_view("c1").queue == "sales"
    assert reserves(core.agent_state("a1", AgentState.READY))[0].call == "c1"


def test_overflow_chains_stop_after_a_few_hops() -> None:
    a = QueueConfig("a", join_empty=EmptyRule.NO_AGENTS, overflow=OverflowTarget(OverflowKind.QUEUE, "b"))
    b = QueueConfig("b", join_empty=EmptyRule.NO_AGENTS, overflow=OverflowTarget(OverflowKind.QUEUE, "a"))
    core, _ = make_core([a, b], [])
    out = offer(core, "c1", "a")
    overflows = [o for o in out if isinstance(o, Overflow)]
    assert overflows[-1].target.kind is OverflowKind.HANGUP and overflows[-1].reason == "too_many_hops"
    assert "c1" not in core.calls


@pytest.mark.parametrize("kind", [OverflowKind.VOICEMAIL, OverflowKind.NUMBER, OverflowKind.HANGUP])
def test_max_wait_sends_the_call_to_the_target(kind: OverflowKind) -> None:
    target = OverflowTarget(kind, "+33123456789" if kind is OverflowKind.NUMBER else "")
    core, clock = make_core([QueueConfig("q", max_wait=30, overflow=target)], [])
    offer(core, "c1", "q")
    clock.now += 30
    (overflow,) = [o for o in core.tick() if isinstance(o, Overflow)]
    assert overflow.target == target and overflow.reason == "max_wait"
    assert "c1" not in core.calls


def test_max_length_refuses_calls_beyond_it() -> None:
    core, _ = make_core([QueueConfig("q", max_length=2)], [])
    offer(core, "c1", "q")
    offer(core, "c2", "q")
    (overflow,) = [o for o in offer(core, "c3", "q") if isinstance(o, Overflow)]
    assert overflow.reason == "queue_full"
    assert core.waiting_calls("q") == ["c1", "c2"]


def test_join_and_leave_when_empty() -> None:
    q = QueueConfig("q", join_empty=EmptyRule.NO_AGENTS, leave_empty=EmptyRule.NONE_READY)
    core, _ = make_core([q], [agent("a1", "q")], ready=False)
    assert [o.reason for o in offer(core, "c1", "q") if isinstance(o, Overflow)] == ["join_empty"]
    core.agent_state("a1", AgentState.PAUSED, "meeting")       # logged in: calls may join
    assert not [o for o in offer(core, "c2", "q") if isinstance(o, Overflow)]
    core.agent_state("a1", AgentState.READY)                    # takes c2
    core.answered("c2", "a1")
    offer(core, "c3", "q")
    core.call_ended("c2")
    assert core.agent_view("a1").call == "c3"
    core.answered("c3", "a1")
    offer(core, "c4", "q")
    core.call_ended("c3")                                       # a1 takes c4
    offer(core, "c5", "q")
    core.answered("c4", "a1")
    core.call_ended("c4")
    assert core.agent_view("a1").call == "c5"
    out = core.ring_failed("c5", "a1")                          # a1 missed: nobody staffs the queue now
    assert [o.reason for o in out if isinstance(o, Overflow)] == ["leave_empty"]
    assert "c5" not in core.calls                               # sent away: leave-when-empty


def test_periodic_announcements_carry_position_and_ewt() -> None:
    core, clock = make_core([QueueConfig("q", announce_interval=20, default_handle_time=120)],
                            [agent("a1", "q"), agent("a2", "q")])
    for call_id in ("busy1", "busy2"):
        core.answered(call_id, reserves(offer(core, call_id, "q"))[0].agents[0])
    offer(core, "c1", "q")
    offer(core, "c2", "q")
    clock.now += 20
    announcements = [o for o in core.tick() if isinstance(o, Announce)]
    assert [(a.call, a.position) for a in announcements] == [("c1", 1), ("c2", 2)]
    assert announcements[0].ewt == pytest.approx(60.0) and announcements[1].ewt == pytest.approx(120.0)


def test_bad_configuration_is_refused_with_a_clear_error() -> None:
    with pytest.raises(AcdConfigError, match="increasing"):
        QueueConfig("q", relaxation=(Relaxation(60, 50), Relaxation(30, 1)))
    with pytest.raises(AcdConfigError, match="1..100"):
        SkillRequirement("billing", 101)
    with pytest.raises(AcdConfigError, match="itself"):
        QueueConfig("q", overflow=OverflowTarget(OverflowKind.QUEUE, "q"))
    with pytest.raises(AcdConfigError, match=r"priority 2000000000 is not within -1,000,000,000..1,000,000,000"):
        CallOffer("c1", "q", priority=2_000_000_000)
    core, _ = make_core([], [])
    with pytest.raises(UnknownQueue):
        core.offer(CallOffer("c1", "nowhere"))
