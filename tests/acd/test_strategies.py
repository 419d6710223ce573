"""Each routing strategy picks the agent it documents."""

from __future__ import annotations

import collections

from caruso.acd import AgentState, QueueConfig, Strategy

from tests.acd.helpers import agent, make_core, offer, reserves, serve


def test_longest_idle_takes_the_agent_whose_last_call_ended_longest_ago() -> None:
    core, clock = make_core([QueueConfig("q", strategy=Strategy.LONGEST_IDLE)],
                            [agent("a1", "q"), agent("a2", "q"), agent("a3", "q")])
    assert serve(core, clock, "c1", "q") == ("a1",)
    assert serve(core, clock, "c2", "q") == ("a2",)
    assert serve(core, clock, "c3", "q") == ("a3",)
    assert serve(core, clock, "c4", "q") == ("a1",)


def test_fewest_calls_takes_the_agent_with_fewest_answered_calls() -> None:
    core, clock = make_core([QueueConfig("q", strategy=Strategy.FEWEST_CALLS)],
                            [agent("a1", "q"), agent("a2", "q")])
    assert serve(core, clock, "c1", "q") == ("a1",)
    assert serve(core, clock, "c2", "q") == ("a2",)
    # both have one call: longest idle breaks the tie
    assert serve(core, clock, "c3", "q") == ("a1",)
    core.agent_state("a1", AgentState.PAUSED, "lunch")
    assert serve(core, clock, "c4", "q") == ("a2",)
    core.agent_state("a1", AgentState.READY)
    assert serve(core, clock, "c5", "q") == ("a1",)  # 2 calls each, a1 idle longer
    assert serve(core, clock, "c6", "q") == ("a2",)


def test_linear_always_starts_from_the_first_in_order() -> None:
    core, clock = make_core([QueueConfig("q", strategy=Strategy.LINEAR)],
                            [agent("a2", "q"), agent("a1", "q")])
    assert serve(core, clock, "c1", "q") == ("a2",)
    assert serve(core, clock, "c2", "q") == ("a2",)


def test_round_robin_continues_after_the_last_agent_served() -> None:
    core, clock = make_core([QueueConfig("q", strategy=Strategy.ROUND_ROBIN)],
                            [agent("a1", "q"), agent("a2", "q"), agent("a3", "q")])
    served = [serve(core, clock, f"c{i}", "q")[0] for i in range(7)]
    assert served == ["a1", "a2", "a3", "a1", "a2", "a3", "a1"]


def test_penalty_tiers_are_offered_first_whatever_the_strategy() -> None:
    for strategy in Strategy:
        core, clock = make_core([QueueConfig("q", strategy=strategy)],
                                [agent("a1", ("q", 2)), agent("a2", ("q", 0)), agent("a3", ("q", 1))])
        assert serve(core, clock, "c1", "q") == ("a2",) or strategy is Strategy.WEIGHTED_RANDOM


def test_random_is_uniform_within_the_lowest_tier() -> None:
    core, clock = make_core([QueueConfig("q", strategy=Strategy.RANDOM)],
                            [agent("a1", "q"), agent("a2", "q"), agent("a3", ("q", 1))])
    counts = collections.Counter(serve(core, clock, f"c{i}", "q")[0] for i in range(400))
    assert set(counts) == {"a1", "a2"}
    assert 150 < counts["a1"] < 250


def test_weighted_random_weights_agents_by_one_over_one_plus_penalty() -> None:
    core, clock = make_core([QueueConfig("q", strategy=Strategy.WEIGHTED_RANDOM)],
                            [agent("a1", ("q", 0)), agent("a2", ("q", 3))])
    counts = collections.Counter(serve(core, clock, f"c{i}", "q")[0] for i in range(1000))
    # weights 1 and 1/4: a1 gets 80 %
    assert 740 < counts["a1"] < 860


def test_ring_all_rings_the_lowest_tier_and_the_first_to_answer_wins() -> None:
    core, clock = make_core([QueueConfig("q", strategy=Strategy.RING_ALL, ring_all_limit=2)],
                            [agent("a1", "q"), agent("a2", "q"), agent("a3", "q"), agent("a4", ("q", 1))])
    rung = reserves(offer(core, "c1", "q"))[0]
    assert rung.agents == ("a1", "a2")
    out = core.answered("c1", "a2")
    assert core.agent_view("a2").state is AgentState.BUSY
    assert core.agent_view("a1").state is AgentState.READY
    cancelled = [o for o in out if type(o).__name__ == "CancelRing"]
    assert cancelled and cancelled[0].agents == ("a1",)
    # the next call rings the two still-ready agents of the lowest tier
    assert reserves(offer(core, "c2", "q"))[0].agents == ("a1", "a3")
