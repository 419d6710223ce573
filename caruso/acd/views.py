"""Read-only views of the core's state, as plain data, for the service, the API and tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from caruso.acd.errors import UnknownAgent, UnknownCall, UnknownQueue
from caruso.acd.model import AgentState
from caruso.acd.state import CallStatus

if TYPE_CHECKING:
    from caruso.acd.engine import Engine

    _Base = Engine
else:
    _Base = object


@dataclass(frozen=True, slots=True)
class AgentView:
    id: str
    state: AgentState
    since: float
    reason: str
    call: str | None
    time_in_state: dict[str, float]   # totals per state, the current one included up to now


@dataclass(frozen=True, slots=True)
class QueueView:
    id: str
    waiting: int
    ringing_or_connected: int
    logged_in: int
    staffed: int
    ready: int                 # ready agents eligible at the queue's last relaxation step
    offered: int
    answered: int
    abandoned: int
    overflowed: int
    service_level: float
    average_wait: float
    ewt_next: float            # estimated wait for a caller joining now
    ewt_mean_abs_error: float
    ewt_mean_error: float


@dataclass(frozen=True, slots=True)
class CallView:
    id: str
    queue: str
    status: str
    position: int | None
    ewt: float | None
    agent: str | None
    callback: bool


class ViewsMixin(_Base):
    def agent_view(self, agent_id: str, now: float | None = None) -> AgentView:
        agent = self.agents.get(agent_id)
        if agent is None:
            raise UnknownAgent(agent_id)
        now = self.clock() if now is None else now
        totals = {state.value: spent for state, spent in agent.totals.items()}
        totals[agent.state.value] += now - agent.since
        return AgentView(agent_id, agent.state, agent.since, agent.reason, agent.call, totals)

    def queue_view(self, queue_id: str) -> QueueView:
        queue = self.queues.get(queue_id)
        if queue is None:
            raise UnknownQueue(queue_id)
        stats, ewt = queue.stats, queue.ewt
        waiting = len(queue.waiting)
        return QueueView(queue_id, waiting, len(queue.calls) - waiting, queue.logged_in, queue.staffed,
                         len(queue.ready[-1]), stats.offered, stats.answered, stats.abandoned, stats.overflowed,
                         stats.service_level(), stats.wait_sum / stats.answered if stats.answered else 0.0,
                         ewt.estimate(waiting + 1, queue.staffed, len(queue.ready[0])), ewt.mean_abs_error, ewt.mean_error)

    def call_view(self, call_id: str) -> CallView:
        call = self.calls.get(call_id)
        if call is None:
            raise UnknownCall(call_id)
        position = ewt = None
        if call.status is CallStatus.WAITING:
            queue = self.queues[call.queue]
            position = queue.waiting.position(call.key)
            ewt = queue.ewt.estimate(position, queue.staffed, len(queue.ready[call.step]))
        return CallView(call_id, call.queue, call.status.value, position, ewt, call.agent, call.callback)

    def waiting_calls(self, queue_id: str) -> list[str]:
        """The queue's waiting calls in line order."""
        queue = self.queues.get(queue_id)
        if queue is None:
            raise UnknownQueue(queue_id)
        return [key[2] for key in queue.waiting.keys()]
