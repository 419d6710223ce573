"""Apply a freshly loaded configuration to a running core: only what changed, nothing restarted."""

from __future__ import annotations

from caruso.acd.core import AcdCore
from caruso.acd.decisions import Output
from caruso.acd.errors import InvalidTransition
from caruso.acd.model import AgentConfig, AgentState, QueueConfig


def apply_config(core: AcdCore, queues: list[QueueConfig], agents: list[AgentConfig], *,
                 managed_queues: set[str] | None = None, managed_agents: set[str] | None = None) -> list[Output]:
    """Queues first (agents refer to them), then agents.  Only queues and agents in ``managed_*`` (what the
    previous load brought; None: everything in the core) are removed when missing, so ones set by code
    (``set_queue``/``set_agent``) stay.  A removed agent still logged in is logged out first when idle,
    else kept until its call ends (retried on the next sync)."""
    out: list[Output] = []
    wanted_queues = {q.id: q for q in queues}
    for queue in queues:
        current = core.queues.get(queue.id)
        if current is None or current.config != queue:
            out += core.set_queue(queue)
    wanted_agents = {a.id: a for a in agents}
    for agent in agents:
        current = core.agents.get(agent.id)
        if current is None or current.config != agent:
            out += core.set_agent(agent)
    for agent_id in [a for a in core.agents if a not in wanted_agents
                     and (managed_agents is None or a in managed_agents)]:
        state = core.agents[agent_id].state
        try:
            if state is not AgentState.LOGGED_OUT:
                out += core.agent_state(agent_id, AgentState.LOGGED_OUT, "removed")
            out += core.remove_agent(agent_id)
        except InvalidTransition:
            continue
    for queue_id in [q for q in core.queues if q not in wanted_queues
                     and (managed_queues is None or q in managed_queues)]:
        out += core.remove_queue(queue_id)
    return out
