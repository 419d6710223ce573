"""The agent pool over an ACD host — the call flows' ACD (service ``ivr``) or the ACD service (``acd``),
anything with the pure ``AcdCore`` (as ``core``, ``acd.core`` or ``queues.core``) and
``agent_state(agent, state)``.
An outbound campaign call makes its agent BUSY (no inbound call is offered meanwhile), then WRAP_UP."""

from __future__ import annotations

from typing import Any

from caruso.acd import AgentState
from caruso.dialer.ports import AgentSnapshot, ReservedAgent

_ON_CALL = (AgentState.BUSY, AgentState.RESERVED)


class AcdAgentPool:
    def __init__(self, host: Any) -> None:
        self.flows = host

    @staticmethod
    def core_of(host: Any) -> Any:
        """The host's AcdCore: its own (``core``), or the ACD it uses (``acd.core``, ``queues.core``)."""
        for holder in (host, getattr(host, "acd", None), getattr(host, "queues", None)):
            core = getattr(holder, "core", None)
            if core is not None and hasattr(core, "agents"):
                return core
        return None

    @property
    def _core(self) -> Any:
        return self.core_of(self.flows)

    def _members(self, queue: str) -> list[Any]:
        return [a for a in self._core.agents.values() if any(m.queue == queue for m in a.config.queues)]

    def snapshot(self, queue: str, now: float) -> AgentSnapshot:
        ready = staffed = 0
        wraps: list[float] = []
        talks: list[float] = []
        wrap_up = 0.0
        for agent in self._members(queue):
            state = agent.state
            if state is AgentState.READY:
                ready += 1
            elif state is AgentState.WRAP_UP:
                wraps.append(max(0.0, agent.since + agent.config.wrap_up - now))
            elif state in _ON_CALL:
                talks.append(max(0.0, now - agent.since))
            else:
                continue
            staffed += 1
            wrap_up = max(wrap_up, float(agent.config.wrap_up))
        return AgentSnapshot(ready, staffed, tuple(wraps), tuple(talks), wrap_up)

    def reserve(self, queue: str, agent: str | None = None) -> ReservedAgent | None:
        pool = self._members(queue) if queue else [a for a in self._core.agents.values() if a.config.id == agent]
        candidates = [a for a in pool if a.state is AgentState.READY and (agent is None or a.config.id == agent)]
        if not candidates:
            return None
        chosen = min(candidates, key=lambda a: (a.idle_since, a.config.id))
        self.flows.agent_state(chosen.config.id, AgentState.BUSY, "outbound campaign call")
        return ReservedAgent(chosen.config.id, chosen.config.phone or chosen.config.id)

    def release(self, agent: str, *, wrap_up: bool) -> None:
        runtime = self._core.agents.get(agent)
        if runtime is None or runtime.state is not AgentState.BUSY:
            return
        self.flows.agent_state(agent, AgentState.WRAP_UP if wrap_up else AgentState.READY)
