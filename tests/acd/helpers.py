"""A small harness around the pure core: a manual clock and short-hand constructors."""

from __future__ import annotations

from caruso.acd import AcdCore, AgentConfig, AgentState, CallOffer, Membership, QueueConfig, Reserve


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def agent(agent_id: str, *queues: str | tuple[str, int], skills: dict[str, int] | None = None,
          wrap_up: float = 0.0) -> AgentConfig:
    members = []
    for order, q in enumerate(queues):
        name, penalty = (q, 0) if isinstance(q, str) else q
        members.append(Membership(name, penalty=penalty, order=order))
    return AgentConfig(agent_id, skills=skills or {}, queues=tuple(members), wrap_up=wrap_up)


def make_core(queues: list[QueueConfig], agents: list[AgentConfig], *, seed: int = 7,
              ready: bool = True) -> tuple[AcdCore, Clock]:
    clock = Clock()
    core = AcdCore(clock, seed=seed, queues=queues, agents=agents)
    if ready:
        for a in agents:
            core.agent_state(a.id, AgentState.READY)
            clock.now += 1.0   # distinct idle times, a1 idle longest
    return core, clock


def reserves(outputs: list) -> list[Reserve]:
    return [o for o in outputs if isinstance(o, Reserve)]


def offer(core: AcdCore, call_id: str, queue: str, priority: int = 0) -> list:
    return core.offer(CallOffer(call_id, queue, priority))


def serve(core: AcdCore, clock: Clock, call_id: str, queue: str, talk: float = 10.0) -> tuple[str, ...]:
    """Offer a call, answer it by the first agent rung, talk, hang up; returns the agents rung."""
    rung = reserves(offer(core, call_id, queue))
    assert rung, f"{call_id} was not routed"
    core.answered(call_id, rung[0].agents[0])
    clock.now += talk
    core.call_ended(call_id)
    return rung[0].agents
