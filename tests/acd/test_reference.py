"""Differential test: the indexed core and a linear-scan router (caruso/acd/reference.py) make the same
choice on every routing event — which call a free agent takes across its queues (priority, weighted wait,
penalty, arrival), which agent an arriving call gets (penalty, longest idle) — with skills and relaxation."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caruso.acd import (AcdCore, AgentConfig, AgentState, CallOffer, Membership, QueueConfig, Relaxation, Reserve,
                        SkillRequirement)
from caruso.acd.reference import LinearRouter

SKILLS = [f"s{i}" for i in range(5)]


@st.composite
def setups(draw: st.DrawFn) -> tuple[list[QueueConfig], list[AgentConfig]]:
    queues = []
    for i in range(draw(st.integers(1, 6))):
        required = draw(st.lists(st.sampled_from(SKILLS), max_size=3, unique=True))
        queues.append(QueueConfig(
            f"q{i}", skills=tuple(SkillRequirement(s, draw(st.integers(1, 100))) for s in required),
            relaxation=draw(st.sampled_from([(), (Relaxation(10, 40),), (Relaxation(5, 60), Relaxation(20, 1))])),
            weight=draw(st.sampled_from([1.0, 1.0, 2.5]))))
    agents = []
    for i in range(draw(st.integers(1, 25))):
        # up to 5 queues: agents in more than three take the decision's general path
        member_of = draw(st.lists(st.sampled_from([q.id for q in queues]), min_size=1, max_size=5, unique=True))
        agents.append(AgentConfig(
            f"a{i}", skills={s: draw(st.integers(1, 100)) for s in draw(st.lists(st.sampled_from(SKILLS), unique=True))},
            queues=tuple(Membership(q, penalty=draw(st.integers(0, 2))) for q in member_of)))
    return queues, agents


@settings(max_examples=60, deadline=None)
@given(setup=setups(), data=st.data())
def test_core_and_linear_scan_choose_alike(setup: tuple[list[QueueConfig], list[AgentConfig]],
                                           data: st.DataObject) -> None:
    queues, agents = setup
    clock = [0.0]
    core = AcdCore(lambda: clock[0], queues=queues, agents=agents)
    linear = LinearRouter(queues, agents)
    busy: list[str] = []
    for a in agents:                                  # all start on an outbound call
        core.agent_state(a.id, AgentState.PAUSED)
        core.agent_state(a.id, AgentState.BUSY)
        busy.append(a.id)
    on_call: dict[str, str | None] = dict.fromkeys(busy)
    serial = 0

    def taken(agent_id: str, call_id: str) -> None:
        core.answered(call_id, agent_id)
        on_call[agent_id] = call_id
        busy.append(agent_id)

    for _ in range(data.draw(st.integers(5, 80))):
        event = data.draw(st.sampled_from(["arrive", "arrive", "free", "time"]))
        now = clock[0]
        if event == "arrive":
            serial += 1
            call = {"id": f"c{serial}", "queue": data.draw(st.sampled_from([q.id for q in queues])),
                    "priority": data.draw(st.integers(0, 2)), "seq": serial, "joined": now}
            expected = linear.offer(call, now)
            got = [o.agents[0] for o in core.offer(CallOffer(call["id"], call["queue"], call["priority"]))
                   if isinstance(o, Reserve)]
            assert (got[0] if got else None) == expected
            if expected:
                taken(expected, call["id"])
        elif event == "free" and busy:
            agent_id = busy.pop(data.draw(st.integers(0, len(busy) - 1)))
            ended = on_call.pop(agent_id)
            out = core.call_ended(ended) if ended else core.agent_state(agent_id, AgentState.READY)
            expected = linear.agent_ready(agent_id, now)
            got = [o.call for o in out if isinstance(o, Reserve)]
            assert (got[0] if got else None) == expected
            if expected:
                taken(agent_id, expected)
        elif event == "time":
            clock[0] += data.draw(st.sampled_from([1.0, 6.0, 12.0]))
            # relaxation: the core routes by itself; each of its choices must be a call and agent the
            # linear router also finds eligible, in the core's order of timers
            for reserve in [o for o in core.tick() if isinstance(o, Reserve)]:
                agent_id = reserve.agents[0]
                call = next(c for c in linear.waiting if c["id"] == reserve.call)
                assert linear.agents[agent_id]["ready"] and linear._eligible(linear.agents[agent_id], call, clock[0])
                linear.waiting.remove(call)
                linear.agents[agent_id]["ready"] = False
                taken(agent_id, reserve.call)


@pytest.mark.parametrize("weights", [(1.0,), (1.0, 2.5)], ids=["one weight", "mixed weights"])
@pytest.mark.parametrize("seed", range(4))
def test_agents_in_many_queues_choose_like_the_scan(weights: tuple[float, ...], seed: int) -> None:
    """Agents in four to six queues (the decision's general path, beside the three-queue fast path), with one
    weight for all queues or mixed weights, and calls often joining at the same instant (ties by penalty)."""
    rng = random.Random(seed)
    queues = [QueueConfig(f"q{i}", skills=(SkillRequirement(SKILLS[i % len(SKILLS)], rng.randint(1, 60)),),
                          relaxation=(Relaxation(10, 1),), weight=rng.choice(weights)) for i in range(8)]
    agents = [AgentConfig(f"a{i}", skills={s: rng.randint(1, 100) for s in SKILLS},
                          queues=tuple(Membership(q, penalty=rng.randint(0, 2))
                                       for q in rng.sample([q.id for q in queues], rng.randint(1, 6))))
              for i in range(30)]
    clock = [0.0]
    core = AcdCore(lambda: clock[0], queues=queues, agents=agents)
    linear = LinearRouter(queues, agents)
    busy = [a.id for a in agents]
    for agent_id in busy:
        core.agent_state(agent_id, AgentState.PAUSED)
        core.agent_state(agent_id, AgentState.BUSY)
    on_call: dict[str, str | None] = dict.fromkeys(busy)
    general_path_choices = 0
    for serial in range(600):
        if rng.random() < 0.3:
            clock[0] += rng.choice((0.0, 2.0, 7.0))   # 0: calls joining at the same instant
            for reserve in [o for o in core.tick() if isinstance(o, Reserve)]:    # relaxed onto an idle agent
                agent_id = reserve.agents[0]
                linear.waiting.remove(next(c for c in linear.waiting if c["id"] == reserve.call))
                linear.agents[agent_id]["ready"] = False
                core.answered(reserve.call, agent_id)
                on_call[agent_id] = reserve.call
                busy.append(agent_id)
        now = clock[0]
        if rng.random() < 0.55 or not busy:
            call = {"id": f"c{serial}", "queue": rng.choice(queues).id, "priority": rng.choice((0, 0, 1)),
                    "seq": serial, "joined": now}
            expected = linear.offer(call, now)
            got = [o.agents[0] for o in core.offer(CallOffer(call["id"], call["queue"], call["priority"]))
                   if isinstance(o, Reserve)]
            assert (got[0] if got else None) == expected
            if expected:
                core.answered(call["id"], expected)
                on_call[expected] = call["id"]
                busy.append(expected)
        else:
            agent_id = busy.pop(rng.randrange(len(busy)))
            ended = on_call.pop(agent_id)
            out = core.call_ended(ended) if ended else core.agent_state(agent_id, AgentState.READY)
            expected = linear.agent_ready(agent_id, now)
            got = [o.call for o in out if isinstance(o, Reserve)]
            assert (got[0] if got else None) == expected, (agent_id, got, expected)
            if expected:
                general_path_choices += not core.agents[agent_id].fast
                core.answered(expected, agent_id)
                on_call[agent_id] = expected
                busy.append(agent_id)
    assert general_path_choices > 10     # the general path did choose calls
