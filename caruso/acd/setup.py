"""Configuration changes at run time: add, change and remove queues and agents without a restart.

A changed queue rebuilds only its own indexes (O(members + calls of that queue)); a changed agent
re-indexes only that agent.  Waiting calls keep their places; ringing and connected calls go on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from caruso.acd.decisions import CancelRing, Output
from caruso.acd.errors import InvalidTransition, UnknownAgent, UnknownQueue
from caruso.acd.model import AgentConfig, AgentState, QueueConfig
from caruso.acd.skills import step_at
from caruso.acd.state import STAFFED, AgentRuntime, CallStatus, MemberRuntime, QueueRuntime

if TYPE_CHECKING:
    from caruso.acd.engine import Engine

    _Base = Engine
else:
    _Base = object


class ConfigMixin(_Base):
    def set_queue(self, config: QueueConfig) -> list[Output]:
        """Add a queue, or change one in place (its waiting calls keep their places)."""
        self._begin()  # type: ignore[attr-defined]
        old = self.queues.get(config.id)
        queue = QueueRuntime(config, self.head_table)
        if old is not None:
            queue.stats, queue.ewt, queue.calls = old.stats, old.ewt, old.calls
            if old.config.strategy is config.strategy:
                queue.rr_last = old.rr_last
        self.queues[config.id] = queue
        for agent_id in self.members_of.get(config.id, ()):
            agent = self.agents[agent_id]
            member = agent.members[config.id]
            if member.key is not None and old is not None:
                member.key = None  # the old index is dropped whole
            self._refresh_member(agent, config.id)
            queue.logged_in += agent.state is not AgentState.LOGGED_OUT
            queue.staffed += agent.state in STAFFED
            if agent.state is AgentState.READY:
                self._index_one(agent, member, queue)
        waiting = []
        for call_id in queue.calls:
            call = self.calls[call_id]
            if call.status is CallStatus.CONNECTED:
                continue
            call.epoch = next(self._epoch)
            call.step = step_at(queue.steps, self.now - call.joined)
            self._schedule_queue_timers(call, queue)
            if call.status is CallStatus.WAITING:
                queue.waiting.add(call.key, call.step, call)
                waiting.append(call)
        if old is not None:
            old.waiting.close()     # every member's route now reads the new queue's slots
        waiting.sort(key=lambda c: c.key)
        for call in waiting:
            self._match_call(call)
        return self._done()  # type: ignore[attr-defined]

    def remove_queue(self, queue_id: str) -> list[Output]:
        """Remove a queue; its waiting calls go to its overflow target (reason ``queue_removed``)."""
        if queue_id not in self.queues:
            raise UnknownQueue(queue_id)
        self._begin()  # type: ignore[attr-defined]
        queue = self.queues[queue_id]
        for key in queue.waiting.keys():
            self._overflow(self.calls[key[2]], "queue_removed")
        freed = []
        for call_id in sorted(queue.calls, key=lambda c: self.calls[c].key):
            call = self.calls[call_id]
            if call.status is CallStatus.RINGING:
                self._out.append(CancelRing(call_id, call.ringing))
                freed += [self.agents[a] for a in call.ringing]
                self._forget(call)
                self._send_away(call.offer, queue, "queue_removed", call.arrived, call.hops)
        for agent_id in self.members_of.get(queue_id, ()):
            member = self.agents[agent_id].members[queue_id]
            if member.key is not None:
                for k in range(member.eligible_from or 0, len(queue.steps)):
                    queue.ready[k].remove(member.key)
            member.key, member.eligible_from = None, None
        del self.queues[queue_id]
        queue.waiting.close()
        for agent_id in self.members_of.get(queue_id, ()):
            self._route(self.agents[agent_id])
        for agent in freed:       # connected calls go on; their agents wrap up as usual
            agent.call = None
            self._make_ready(agent)
        return self._done()  # type: ignore[attr-defined]

    def set_agent(self, config: AgentConfig) -> list[Output]:
        """Add an agent (logged out), or change one in place: skills, queues, penalties, wrap-up, phone."""
        self._begin()  # type: ignore[attr-defined]
        agent = self.agents.get(config.id)
        if agent is None:
            agent = AgentRuntime(config, next(self._agent_seq), self.now)
            self.agents[config.id] = agent
            self.by_seq[agent.seq] = agent
        was_ready = agent.state is AgentState.READY
        if was_ready:
            self._unindex(agent)
        logged_in = agent.state is not AgentState.LOGGED_OUT
        staffed = agent.state in STAFFED
        old_members = agent.members
        agent.config = config
        agent.members = {}
        agent.route, agent.fast = None, False
        for m in config.queues:
            member = MemberRuntime(m.queue, m.penalty, m.order, None)
            previous = old_members.get(m.queue)
            if previous is not None:
                member.calls = previous.calls
            agent.members[m.queue] = member
            self._refresh_member(agent, m.queue)
        for queue_id in old_members.keys() - agent.members.keys():
            self.members_of[queue_id].discard(config.id)
            self._count(queue_id, -logged_in, -staffed)
        for queue_id in agent.members.keys() - old_members.keys():
            self.members_of.setdefault(queue_id, set()).add(config.id)
            self._count(queue_id, logged_in, staffed)
        if was_ready:
            self._index(agent)
            self._match_agent(agent)
        return self._done()  # type: ignore[attr-defined]

    def _count(self, queue_id: str, d_in: int, d_staffed: int) -> None:
        queue = self.queues.get(queue_id)
        if queue is not None:
            queue.logged_in += d_in
            queue.staffed += d_staffed

    def remove_agent(self, agent_id: str) -> list[Output]:
        agent = self.agents.get(agent_id)
        if agent is None:
            raise UnknownAgent(agent_id)
        if agent.state is not AgentState.LOGGED_OUT:
            raise InvalidTransition(f"agent {agent_id!r} is {agent.state.value}: log it out first")
        self._begin()  # type: ignore[attr-defined]
        for queue_id in agent.members:
            self.members_of[queue_id].discard(agent_id)
        del self.agents[agent_id]
        del self.by_seq[agent.seq]
        return self._done()  # type: ignore[attr-defined]
