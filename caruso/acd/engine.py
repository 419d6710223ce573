"""The core's mechanics: agent state transitions, the ready-agent indexes, matching, reserving, queueing
and overflow.  ``AcdCore`` (core.py) is the public face; everything here is private to the package.

Matching keeps one invariant after every public call: no ready agent is eligible for a waiting call.
Each change touches one agent or one call, so only pairs involving it can have become eligible, and the
matcher looks only there — O(log n) through the indexes, never a scan of all agents or calls.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable

from caruso.acd.decisions import AgentStateChanged, CallQueued, Output, Overflow, Reserve
from caruso.acd.model import AgentState, CallOffer, EmptyRule, OverflowKind, OverflowTarget
from caruso.acd.skills import eligible_from, step_at
from caruso.acd.state import STAFFED, AgentRuntime, CallRuntime, CallStatus, MemberRuntime, QueueRuntime
from caruso.acd.strategies import agent_key, pick
from caruso.acd.timers import TimerHeap
from caruso.acd.waiting import EMPTY_RANK, HeadTable

_READY, _LOGGED_OUT = AgentState.READY, AgentState.LOGGED_OUT   # enum look-ups cost on the hot path
MAX_HOPS = 5  # overflow from queue to queue at most this many times, then hang up


class Engine:
    def __init__(self, clock: Callable[[], float], seed: int | None = None) -> None:
        self.clock = clock
        self.now = clock()
        self.rng = random.Random(seed)
        self.agents: dict[str, AgentRuntime] = {}
        self.by_seq: dict[int, AgentRuntime] = {}
        self.queues: dict[str, QueueRuntime] = {}
        self.members_of: dict[str, set[str]] = {}   # queue id -> agent ids listing it (queue may not exist)
        self.calls: dict[str, CallRuntime] = {}
        self.head_table = HeadTable()    # every queue's first call in line per step (waiting.py)
        self._cells = self.head_table.cells     # (the list grows in place)
        self.timers = TimerHeap()
        self._agent_seq = itertools.count(1)
        self._call_seq = itertools.count(1)
        self._epoch = itertools.count(1)   # epochs are global: a call id may come back (overflow to a queue)
        self._out: list[Output] = []

    # ---------------------------------------------------------------- agent state and indexes
    def _set_state(self, agent: AgentRuntime, new: AgentState, reason: str = "", call: str = "",
                   index: bool = True) -> None:
        old, now = agent.state, self.now
        spent = now - agent.since
        agent.totals[old] += spent
        if old is _READY:
            self._unindex(agent)
        emptied: list[QueueRuntime] = []
        d_in = (new is not _LOGGED_OUT) - (old is not _LOGGED_OUT)
        d_staffed = (new in STAFFED) - (old in STAFFED)
        if d_in or d_staffed:
            for member in agent.members.values():
                queue = self.queues.get(member.queue)
                if queue is None:
                    continue
                queue.logged_in += d_in
                queue.staffed += d_staffed
                if (d_in < 0 or d_staffed < 0) and queue.waiting and self._is_empty(queue, queue.config.leave_empty):
                    emptied.append(queue)
        agent.state, agent.since, agent.reason = new, now, reason
        agent.epoch += 1
        self._out.append(AgentStateChanged(agent.config.id, old, new, now, spent, reason, call))
        if new is _READY and index:
            self._index(agent)
        for queue in emptied:
            for key in queue.waiting.keys():
                self._overflow(self.calls[key[2]], "leave_empty")

    def _is_empty(self, queue: QueueRuntime, rule: EmptyRule) -> bool:
        if rule is EmptyRule.NO_AGENTS:
            return queue.logged_in == 0
        if rule is EmptyRule.NONE_READY:
            return queue.staffed == 0
        return False

    def _index(self, agent: AgentRuntime) -> None:
        for member in agent.members.values():
            queue = self.queues.get(member.queue)
            if queue is not None:
                self._index_one(agent, member, queue)

    def _index_one(self, agent: AgentRuntime, member: MemberRuntime, queue: QueueRuntime) -> None:
        if member.eligible_from is None:
            return
        key = agent_key(queue.config.strategy, member.penalty, member.order, agent.idle_since, member.calls,
                        agent.seq)
        member.key = key
        for k in range(member.eligible_from, len(queue.steps)):
            queue.ready[k].add(key)

    def _unindex(self, agent: AgentRuntime) -> None:
        for member in agent.members.values():
            if member.key is None:
                continue
            queue = self.queues[member.queue]
            for k in range(member.eligible_from or 0, len(queue.steps)):
                queue.ready[k].remove(member.key)
            member.key = None

    def _refresh_member(self, agent: AgentRuntime, queue_id: str) -> None:
        member = agent.members[queue_id]
        queue = self.queues.get(queue_id)
        member.eligible_from = None if queue is None else eligible_from(agent.config.skills, queue.steps)
        self._route(agent)

    def _make_ready(self, agent: AgentRuntime, reason: str = "") -> None:
        call = self._best_call_for(agent)
        if call is None:
            self._set_state(agent, AgentState.READY, reason)
        else:
            # straight on to the next call: no need to index the agent as ready and take it out again
            self._set_state(agent, AgentState.READY, reason, index=False)
            self._reserve(call, [agent])

    # ---------------------------------------------------------------- matching
    def _match_agent(self, agent: AgentRuntime) -> None:
        if agent.state is AgentState.READY:
            call = self._best_call_for(agent)
            if call is not None:
                self._reserve(call, [agent])

    def _best_call_for(self, agent: AgentRuntime) -> CallRuntime | None:
        """The call a free agent takes next, across its queues: highest priority, longest weighted wait
        (wait x queue weight), lowest penalty, earliest arrival.  When the agent's queues have the same
        weight, the longest wait is the earliest join time, compared as such.

        Per queue it reads one HeadTable cell: the first call in line at the step from which the agent is
        eligible, ranked with the agent's penalty there.  An agent in up to three queues of one weight (most
        agents) keeps its cells' numbers in its own record, so the decision touches that record and one list
        every decision shares, and compares the ranks in C."""
        if agent.fast:
            cells = self._cells
            best = min(cells[agent.c0], cells[agent.c1], cells[agent.c2])
            return None if best is EMPTY_RANK else best[4]
        return self._best_call_any(agent)

    def _best_call_any(self, agent: AgentRuntime) -> CallRuntime | None:
        """The same for any agent: more than three queues, or queues of different weights."""
        route = agent.route
        if route is None:
            route = self._route(agent)
            if agent.fast:
                return self._best_call_for(agent)
        cells = self._cells
        if not agent.weighted:
            best = EMPTY_RANK
            for cell in route:
                head = cells[cell]
                if head < best:
                    best = head
            return None if best is EMPTY_RANK else best[4]
        # different weights: the weighted wait depends on the time now
        weights, now = self.head_table.cell_weight, self.now
        best_rank: tuple | None = None
        call = None
        for cell in route:
            head = cells[cell]
            if head is EMPTY_RANK:
                continue
            rank = (head[0], (head[1] - now) * weights[cell], head[2], head[3])
            if best_rank is None or rank < best_rank:
                best_rank, call = rank, head[4]
        return call

    def _route(self, agent: AgentRuntime) -> tuple[int, ...]:
        """The HeadTable cells ``_best_call_for`` reads, worked out once per configuration of the agent."""
        table = self.head_table
        route = []
        weights = set()
        for member in agent.members.values():
            queue = self.queues.get(member.queue)
            if queue is None:
                continue
            weights.add(queue.config.weight)
            if member.eligible_from is not None:
                route.append(table.cell(queue.waiting.base + member.eligible_from, member.penalty))
        agent.route = tuple(route)
        agent.weighted = len(weights) > 1
        agent.fast = not agent.weighted and len(route) <= 3
        if agent.fast:
            agent.c0, agent.c1, agent.c2 = (*route, table.empty, table.empty, table.empty)[:3]
        return agent.route

    def _match_call(self, call: CallRuntime) -> None:
        if call.status is CallStatus.WAITING:
            agents = self._agents_for(self.queues[call.queue], call.step)
            if agents:
                self._reserve(call, agents)

    def _agents_for(self, queue: QueueRuntime, step: int) -> list[AgentRuntime]:
        """The agent(s) the queue's strategy picks for a call at ``step`` (none: nobody eligible is ready)."""
        ready = queue.ready[step]
        if not ready:
            return []
        config = queue.config
        keys = pick(config.strategy, ready, self.rng, queue.rr_last, config.ring_all_limit)
        return [self.by_seq[key[-1]] for key in keys]

    def _reserve(self, call: CallRuntime, agents: list[AgentRuntime]) -> None:
        queue = self.queues[call.queue]
        queue.waiting.remove(call.key, call.step)
        member = agents[0].members.get(call.queue)
        if member is not None and member.key is not None:
            queue.rr_last = member.key
        call.status = CallStatus.RINGING
        call.ringing = (agents[0].config.id,) if len(agents) == 1 else tuple(a.config.id for a in agents)
        call.ring_epoch = next(self._epoch)
        for agent in agents:
            agent.call = call.id
            self._set_state(agent, AgentState.RESERVED, call=call.id)
        timeout = queue.config.ring_timeout
        self.timers.add(self.now + timeout, "ring", call.id, call.ring_epoch)
        self._out.append(Reserve(call.id, call.queue, call.ringing, timeout, call.callback, call.callback_number))

    # ---------------------------------------------------------------- queueing and overflow
    def _enqueue(self, offer: CallOffer, arrived: float, hops: int) -> None:
        queue = self.queues[offer.queue]
        config = queue.config
        queue.stats.offered += 1
        if self._is_empty(queue, config.join_empty):
            self._send_away(offer, queue, "join_empty", arrived, hops)
            return
        if config.max_length is not None and len(queue.waiting) >= config.max_length and not queue.ready[0]:
            self._send_away(offer, queue, "queue_full", arrived, hops)
            return
        now = self.now
        call = CallRuntime(offer, offer.queue, (-offer.priority, next(self._call_seq), offer.id, now), now, arrived,
                           hops)
        call.epoch = next(self._epoch)
        self.calls[offer.id] = call
        queue.calls.add(offer.id)
        queue.waiting.add(call.key, 0, call)
        position = queue.waiting.position(call.key)
        call.predicted = queue.ewt.estimate(position, queue.staffed, len(queue.ready[0]))
        self._schedule_queue_timers(call, queue)
        self._out.append(CallQueued(offer.id, offer.queue, now, position, call.predicted))
        self._match_call(call)

    def _schedule_queue_timers(self, call: CallRuntime, queue: QueueRuntime) -> None:
        config = queue.config
        if call.step + 1 < len(queue.steps):
            self.timers.add(call.joined + queue.steps[call.step + 1].after, "step", call.id, call.epoch, call.step + 1)
        if config.max_wait is not None:
            self.timers.add(call.joined + config.max_wait, "max_wait", call.id, call.epoch)
        if config.announce_interval > 0:
            self.timers.add(self.now + config.announce_interval, "announce", call.id, call.epoch)

    def _requeue(self, call: CallRuntime) -> None:
        """Back at its original place after a ring that nobody answered."""
        queue = self.queues[call.queue]
        call.status = CallStatus.WAITING
        call.ringing = ()
        call.ring_epoch = next(self._epoch)
        call.step = max(call.step, step_at(queue.steps, self.now - call.joined))
        queue.waiting.add(call.key, call.step, call)
        self._out.append(CallQueued(call.id, call.queue, self.now, queue.waiting.position(call.key),
                                    self._ewt(call, queue), requeued=True))
        max_wait = queue.config.max_wait
        if self._is_empty(queue, queue.config.leave_empty):
            self._overflow(call, "leave_empty")
        elif max_wait is not None and not call.callback and self.now - call.joined >= max_wait:
            self._overflow(call, "max_wait")
        else:
            self._match_call(call)

    def _ewt(self, call: CallRuntime, queue: QueueRuntime) -> float:
        return queue.ewt.estimate(queue.waiting.position(call.key), queue.staffed, len(queue.ready[call.step]))

    def _forget(self, call: CallRuntime) -> None:
        del self.calls[call.id]
        queue = self.queues.get(call.queue)
        if queue is not None:
            queue.calls.discard(call.id)

    def _overflow(self, call: CallRuntime, reason: str) -> None:
        """A waiting call leaves its queue for the overflow target (a callback keeps its place instead)."""
        queue = self.queues[call.queue]
        target = queue.config.overflow
        queue.stats.overflowed += 1
        if target.kind is OverflowKind.CALLBACK and reason == "max_wait":
            call.callback = True
            self._out.append(Overflow(call.id, call.queue, target, reason))
            return
        queue.waiting.remove(call.key, call.step)
        self._forget(call)
        self._send_away(call.offer, queue, reason, call.arrived, call.hops)

    def _send_away(self, offer: CallOffer, queue: QueueRuntime, reason: str, arrived: float, hops: int) -> None:
        target = queue.config.overflow
        if target.kind is OverflowKind.QUEUE:
            if target.target not in self.queues or hops >= MAX_HOPS:
                why = "too_many_hops" if hops >= MAX_HOPS else f"no queue {target.target!r}"
                self._out.append(Overflow(offer.id, queue.config.id, OverflowTarget(OverflowKind.HANGUP), why))
                return
            self._out.append(Overflow(offer.id, queue.config.id, target, reason))
            moved = CallOffer(offer.id, target.target, offer.priority, offer.caller)
            self._enqueue(moved, arrived, hops + 1)
            return
        self._out.append(Overflow(offer.id, queue.config.id, target, reason))
