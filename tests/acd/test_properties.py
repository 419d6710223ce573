"""Invariants of the ACD core over random sequences of events (hypothesis, stateful).

- no agent holds two calls, and every ringing/connected call is held by agents in the matching state;
- no call is lost or served twice: each offered call is in the core or has ended exactly once;
- within a queue and priority, calls are reserved in arrival order;
- work-conserving: no ready agent is eligible for a waiting call after any event;
- each agent's times per state add up to the wall time since it was created.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from caruso.acd import (AcdCore, AgentConfig, AgentState, CallAbandoned, CallAnswered, CallEnded, CallOffer,
                        CallQueued, InvalidTransition, Membership, Overflow, OverflowKind, OverflowTarget, QueueConfig,
                        Relaxation, Reserve, RingOutcome, SkillRequirement, Strategy)

QUEUES = ["billing", "outage", "sales"]
SKILLS = ["billing", "outage", "french"]
AGENTS = [f"a{i}" for i in range(5)]
HOST_STATES = [AgentState.READY, AgentState.PAUSED, AgentState.LOGGED_OUT, AgentState.BUSY, AgentState.WRAP_UP]


def eligible_step(agent: AgentConfig, queue: QueueConfig) -> int | None:
    """Independent of the core: the first relaxation step at which the agent may take the queue's calls."""
    levels = [{r.skill: r.min_level for r in queue.skills}]
    for relax in queue.relaxation:
        levels.append({r.skill: min(r.min_level, relax.min_level) for r in queue.skills})
    for index, needed in enumerate(levels):
        if all(agent.skills.get(skill, 0) >= level for skill, level in needed.items()):
            return index
    return None


def current_step(queue: QueueConfig, waited: float) -> int:
    return sum(1 for relax in queue.relaxation if waited >= relax.after)


class AcdMachine(RuleBasedStateMachine):
    @initialize(data=st.data())
    def build(self, data: st.DataObject) -> None:
        self.now = 0.0
        self.queue_configs = {}
        for name in QUEUES:
            required = data.draw(st.lists(st.sampled_from(SKILLS), max_size=2, unique=True))
            self.queue_configs[name] = QueueConfig(
                name,
                strategy=data.draw(st.sampled_from(list(Strategy))),
                skills=tuple(SkillRequirement(s, data.draw(st.integers(1, 100))) for s in required),
                relaxation=(Relaxation(30, 50), Relaxation(60, 1)) if data.draw(st.booleans()) else (),
                max_wait=data.draw(st.sampled_from([None, 45.0, 120.0])),
                overflow=data.draw(st.sampled_from([OverflowTarget(), OverflowTarget(OverflowKind.QUEUE, "sales"),
                                                    OverflowTarget(OverflowKind.CALLBACK)])),
                ring_timeout=15.0,
                announce_interval=data.draw(st.sampled_from([0.0, 20.0])),
                ring_all_limit=3,
            ) if name != "sales" else QueueConfig(name, strategy=data.draw(st.sampled_from(list(Strategy))))
        self.agent_configs = {}
        for agent_id in AGENTS:
            queues = data.draw(st.lists(st.sampled_from(QUEUES), min_size=1, max_size=3, unique=True))
            self.agent_configs[agent_id] = AgentConfig(
                agent_id,
                skills={s: data.draw(st.integers(1, 100)) for s in data.draw(st.lists(st.sampled_from(SKILLS),
                                                                                     unique=True))},
                queues=tuple(Membership(q, penalty=data.draw(st.integers(0, 2)), order=i) for i, q in enumerate(queues)),
                wrap_up=data.draw(st.sampled_from([0.0, 10.0])),
            )
        self.core = AcdCore(lambda: self.now, seed=data.draw(st.integers(0, 1000)),
                            queues=list(self.queue_configs.values()), agents=list(self.agent_configs.values()))
        self.offered: set[str] = set()
        self.finished: dict[str, str] = {}   # call -> how it left
        self.answered: set[str] = set()
        self.next_call = 0

    # ------------------------------------------------------------------ bookkeeping of outputs
    def apply(self, outputs: list) -> None:
        for index, out in enumerate(outputs):
            if isinstance(out, CallAnswered):
                assert out.call not in self.answered, f"{out.call} answered twice"
                self.answered.add(out.call)
            elif isinstance(out, (CallAbandoned, CallEnded)):
                assert out.call not in self.finished, f"{out.call} ended twice"
                self.finished[out.call] = type(out).__name__
            elif isinstance(out, Overflow) and out.target.kind not in (OverflowKind.QUEUE, OverflowKind.CALLBACK):
                assert out.call not in self.finished
                self.finished[out.call] = "overflow"
            elif isinstance(out, Reserve):
                self.check_fifo(out, outputs[index + 1:])

    def check_fifo(self, reserve: Reserve, later: list) -> None:
        call = self.core.calls.get(reserve.call)
        if call is None:
            return
        requeued_later = {o.call for o in later if isinstance(o, CallQueued)}
        queue = self.core.queues[reserve.queue]
        for key in queue.waiting.keys():
            if key[0] == call.key[0] and key[1] < call.key[1] and key[2] not in requeued_later:
                raise AssertionError(f"{reserve.call} reserved while earlier {key[2]} waits in {reserve.queue}")

    # ------------------------------------------------------------------ rules
    @rule(queue=st.sampled_from(QUEUES), priority=st.integers(0, 2))
    def offer(self, queue: str, priority: int) -> None:
        call_id = f"c{self.next_call}"
        self.next_call += 1
        self.offered.add(call_id)
        self.apply(self.core.offer(CallOffer(call_id, queue, priority)))

    @rule(agent=st.sampled_from(AGENTS), state=st.sampled_from(HOST_STATES))
    def agent_state(self, agent: str, state: AgentState) -> None:
        try:
            self.apply(self.core.agent_state(agent, state, "lunch" if state is AgentState.PAUSED else ""))
        except InvalidTransition:
            pass

    def calls_in(self, status: str) -> list:
        return sorted((c for c in self.core.calls.values() if c.status.value == status), key=lambda c: c.key)

    @precondition(lambda self: self.calls_in("ringing"))
    @rule(data=st.data(), outcome=st.sampled_from([None, *RingOutcome]))
    def ring_result(self, data: st.DataObject, outcome: RingOutcome | None) -> None:
        call = data.draw(st.sampled_from(self.calls_in("ringing")))
        agent = data.draw(st.sampled_from(call.ringing))
        if outcome is None:
            self.apply(self.core.answered(call.id, agent))
        else:
            self.apply(self.core.ring_failed(call.id, agent, outcome))

    @precondition(lambda self: self.core.calls)
    @rule(data=st.data())
    def caller_hangs_up(self, data: st.DataObject) -> None:
        call = data.draw(st.sampled_from(sorted(self.core.calls.values(), key=lambda c: c.key)))
        self.apply(self.core.call_ended(call.id))

    @precondition(lambda self: self.calls_in("waiting"))
    @rule(data=st.data())
    def callback(self, data: st.DataObject) -> None:
        call = data.draw(st.sampled_from(self.calls_in("waiting")))
        self.apply(self.core.request_callback(call.id, "+33100000000"))

    @rule(seconds=st.sampled_from([0.5, 5.0, 16.0, 31.0, 70.0]))
    def time_passes(self, seconds: float) -> None:
        self.now += seconds
        self.apply(self.core.tick())

    @rule(agent=st.sampled_from(AGENTS), skill=st.sampled_from(SKILLS), level=st.integers(1, 100))
    def change_skill(self, agent: str, skill: str, level: int) -> None:
        config = self.agent_configs[agent]
        config = AgentConfig(agent, skills={**config.skills, skill: level}, queues=config.queues, wrap_up=config.wrap_up)
        self.agent_configs[agent] = config
        self.apply(self.core.set_agent(config))

    @rule(queue=st.sampled_from(["billing", "outage"]), strategy=st.sampled_from(list(Strategy)),
          level=st.integers(1, 100), relax=st.booleans())
    def reconfigure_queue(self, queue: str, strategy: Strategy, level: int, relax: bool) -> None:
        old = self.queue_configs[queue]
        config = QueueConfig(queue, strategy=strategy, skills=tuple(SkillRequirement(r.skill, level) for r in old.skills),
                             relaxation=(Relaxation(20, 1),) if relax else (), max_wait=old.max_wait,
                             overflow=old.overflow, ring_all_limit=2)
        self.queue_configs[queue] = config
        self.apply(self.core.set_queue(config))

    @rule(agent=st.sampled_from(AGENTS), queues=st.lists(st.sampled_from(QUEUES), max_size=3, unique=True))
    def change_membership(self, agent: str, queues: list[str]) -> None:
        old = self.agent_configs[agent]
        config = AgentConfig(agent, skills=old.skills, queues=tuple(Membership(q, order=i) for i, q in enumerate(queues)),
                             wrap_up=old.wrap_up)
        self.agent_configs[agent] = config
        self.apply(self.core.set_agent(config))

    # ------------------------------------------------------------------ invariants
    @invariant()
    def one_call_per_agent(self) -> None:
        holders: dict[str, str] = {}
        for call in self.core.calls.values():
            for agent_id in call.ringing:
                assert agent_id not in holders, f"{agent_id} holds {holders[agent_id]} and {call.id}"
                holders[agent_id] = call.id
                assert self.core.agents[agent_id].state is AgentState.RESERVED
            if call.agent is not None:
                assert call.agent not in holders
                holders[call.agent] = call.id
                assert self.core.agents[call.agent].state is AgentState.BUSY
        for agent in self.core.agents.values():
            assert (agent.call is not None) == (agent.config.id in holders)
            assert agent.call is None or holders[agent.config.id] == agent.call
            if agent.state is AgentState.RESERVED:
                assert agent.call is not None

    @invariant()
    def no_call_lost(self) -> None:
        in_core = set(self.core.calls)
        assert not in_core & set(self.finished), in_core & set(self.finished)
        assert in_core | set(self.finished) == self.offered

    @invariant()
    def work_conserving(self) -> None:
        ready = [a for a in self.core.agents.values() if a.state is AgentState.READY]
        for call in self.core.calls.values():
            if call.status.value != "waiting":
                continue
            config = self.queue_configs[call.queue]
            assert call.step == current_step(config, self.now - call.joined)
            for agent in ready:
                agent_config = self.agent_configs[agent.config.id]
                if agent_config.membership(call.queue) is None:
                    continue
                step = eligible_step(agent_config, config)
                assert step is None or step > call.step, f"{agent.config.id} idles while {call.id} waits"

    @invariant()
    def state_times_add_up(self) -> None:
        for agent_id in AGENTS:
            view = self.core.agent_view(agent_id, self.now)
            assert abs(sum(view.time_in_state.values()) - self.now) < 1e-6


AcdMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None,
                                        suppress_health_check=[HealthCheck.too_slow])
TestAcdProperties = AcdMachine.TestCase
