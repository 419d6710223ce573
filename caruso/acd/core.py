"""``AcdCore``: automatic call distribution as a pure, synchronous state machine.

No I/O, an injected clock.  Every method applies one change and returns what follows from it as plain
data (decisions.py): decisions the host must carry out (Reserve, CancelRing, Overflow, Announce) and
notices of what changed (agent state changes with the time spent in the previous state, calls queued,
answered, abandoned, ...).  ``tick()`` fires what is due (relaxation steps, max waits, ring time-outs,
announcements, wrap-up ends); ``next_deadline()`` says when to call it next.
"""

from __future__ import annotations

from collections.abc import Callable

from caruso.acd.decisions import (Announce, CallAbandoned, CallAnswered, CallbackRequested, CallEnded,
                                  CallRingFailed, CancelRing, Output)
from caruso.acd.engine import Engine
from caruso.acd.errors import InvalidTransition, UnknownAgent, UnknownCall, UnknownQueue
from caruso.acd.model import AgentConfig, AgentState, CallOffer, QueueConfig, RingOutcome
from caruso.acd.setup import ConfigMixin
from caruso.acd.state import AgentRuntime, CallRuntime, CallStatus
from caruso.acd.views import ViewsMixin

S = AgentState
# what an agent (or the host for it) may ask; RESERVED and call-related changes come from call events
_ALLOWED: dict[AgentState, frozenset[AgentState]] = {
    S.LOGGED_OUT: frozenset({S.READY, S.PAUSED}),
    S.READY: frozenset({S.PAUSED, S.LOGGED_OUT, S.BUSY}),
    S.PAUSED: frozenset({S.READY, S.PAUSED, S.LOGGED_OUT, S.BUSY}),
    S.MISSED: frozenset({S.READY, S.PAUSED, S.LOGGED_OUT, S.BUSY}),
    S.WRAP_UP: frozenset({S.READY, S.PAUSED, S.LOGGED_OUT, S.BUSY}),
    S.BUSY: frozenset({S.WRAP_UP, S.READY, S.PAUSED, S.LOGGED_OUT}),   # outbound calls only
    S.RESERVED: frozenset(),
}


class AcdCore(ConfigMixin, ViewsMixin, Engine):
    def __init__(self, clock: Callable[[], float], *, seed: int | None = None,
                 queues: list[QueueConfig] = (), agents: list[AgentConfig] = ()) -> None:  # type: ignore[assignment]
        super().__init__(clock, seed)
        for queue in queues:
            self.set_queue(queue)
        for agent in agents:
            self.set_agent(agent)

    def _begin(self) -> None:
        self.now = self.clock()
        self._out = []

    def _done(self) -> list[Output]:
        out, self._out = self._out, []
        return out

    def _agent(self, agent_id: str) -> AgentRuntime:
        try:
            return self.agents[agent_id]
        except KeyError:
            raise UnknownAgent(agent_id) from None

    def _call(self, call_id: str) -> CallRuntime:
        try:
            return self.calls[call_id]
        except KeyError:
            raise UnknownCall(call_id) from None

    # ---------------------------------------------------------------- agents
    def agent_state(self, agent_id: str, state: AgentState, reason: str = "") -> list[Output]:
        """Log in (READY or PAUSED), become ready, pause with a reason, log out, start (BUSY) and end
        (WRAP_UP or READY) an outbound call.  Changes tied to ACD calls come from the call methods."""
        agent = self._agent(agent_id)
        self._begin()
        if state not in _ALLOWED[agent.state] or (agent.state is S.BUSY and agent.call is not None):
            raise InvalidTransition(f"agent {agent_id!r}: {agent.state.value} -> {state.value} is not allowed here")
        if agent.state is S.BUSY:
            agent.idle_since = self.now      # an outbound call ended: idle from now (longest-idle strategy)
        if state is S.READY:
            self._make_ready(agent, reason)
        elif state is S.WRAP_UP:
            self._start_wrap_up(agent)
        else:
            self._set_state(agent, state, reason)
        return self._done()

    def _start_wrap_up(self, agent: AgentRuntime) -> None:
        agent.idle_since = self.now
        if agent.config.wrap_up > 0:
            self._set_state(agent, S.WRAP_UP)
            self.timers.add(self.now + agent.config.wrap_up, "wrap_up", agent.config.id, agent.epoch)
        else:
            self._make_ready(agent)

    # ---------------------------------------------------------------- calls
    def offer(self, call: CallOffer) -> list[Output]:
        if call.queue not in self.queues:
            raise UnknownQueue(call.queue)
        if call.id in self.calls:
            raise InvalidTransition(f"call {call.id!r} is already in the ACD")
        self._begin()
        self._enqueue(call, self.now, 0)
        return self._done()

    def answered(self, call_id: str, agent_id: str) -> list[Output]:
        call = self._call(call_id)
        if call.status is not CallStatus.RINGING or agent_id not in call.ringing:
            raise InvalidTransition(f"call {call_id!r} is not ringing agent {agent_id!r}")
        self._begin()
        now, queue = self.now, self.queues[call.queue]
        waited = now - call.joined
        stats = queue.stats
        stats.answered += 1
        stats.wait_sum += waited
        stats.answered_in_sl += waited <= queue.config.service_level_seconds
        queue.ewt.answered(call.predicted, waited)
        others = [self.agents[a] for a in call.ringing if a != agent_id]
        call.status, call.agent, call.answered_at, call.ringing = CallStatus.CONNECTED, agent_id, now, ()
        call.ring_epoch = next(self._epoch)
        agent = self.agents[agent_id]
        member = agent.members.get(call.queue)
        if member is not None:
            member.calls += 1
        self._set_state(agent, S.BUSY, call=call_id)
        self._out.append(CallAnswered(call_id, call.queue, agent_id, now, waited))
        if others:
            self._out.append(CancelRing(call_id, tuple(a.config.id for a in others)))
            for other in others:
                other.call = None
                self._make_ready(other)
        return self._done()

    def ring_failed(self, call_id: str, agent_id: str, outcome: RingOutcome = RingOutcome.NO_ANSWER) -> list[Output]:
        """The agent did not answer, rejected or could not be reached: the agent is set MISSED (not ready
        until resumed, the outcome as reason) and the call goes back to its original place."""
        call = self._call(call_id)
        if call.status is not CallStatus.RINGING or agent_id not in call.ringing:
            raise InvalidTransition(f"call {call_id!r} is not ringing agent {agent_id!r}")
        self._begin()
        self._ring_failed(call, self.agents[agent_id], outcome)
        return self._done()

    def _ring_failed(self, call: CallRuntime, agent: AgentRuntime, outcome: RingOutcome) -> None:
        agent.call = None
        call.ringing = tuple(a for a in call.ringing if a != agent.config.id)
        self._set_state(agent, S.MISSED, outcome.value, call.id)
        self._out.append(CallRingFailed(call.id, call.queue, agent.config.id, self.now, outcome))
        if not call.ringing:
            self._requeue(call)

    def abandon(self, call_id: str) -> list[Output]:
        """The caller hung up before being answered."""
        call = self._call(call_id)
        if call.status is CallStatus.CONNECTED:
            raise InvalidTransition(f"call {call_id!r} is connected: end it with call_ended")
        self._begin()
        queue = self.queues[call.queue]
        waited = self.now - call.joined
        queue.stats.abandoned += 1
        queue.stats.abandoned_after_sl += waited > queue.config.service_level_seconds
        ringing = [self.agents[a] for a in call.ringing]
        if call.status is CallStatus.WAITING:
            queue.waiting.remove(call.key, call.step)
        self._forget(call)
        self._out.append(CallAbandoned(call_id, call.queue, self.now, waited))
        if ringing:
            self._out.append(CancelRing(call_id, call.ringing))
            for agent in ringing:
                agent.call = None
                self._make_ready(agent)
        return self._done()

    def request_callback(self, call_id: str, number: str) -> list[Output]:
        """The caller hangs up and will be called back at ``number``; the call keeps its place."""
        call = self._call(call_id)
        if call.status is CallStatus.CONNECTED:
            raise InvalidTransition(f"call {call_id!r} is already connected")
        self._begin()
        call.callback, call.callback_number = True, number
        self._out.append(CallbackRequested(call_id, call.queue, self.now, number))
        return self._done()

    def call_ended(self, call_id: str) -> list[Output]:
        """A connected call hung up: the agent goes to wrap-up (or straight to ready).  A call that was not
        answered yet counts as abandoned."""
        call = self._call(call_id)
        if call.status is not CallStatus.CONNECTED:
            return self.abandon(call_id)
        self._begin()
        agent = self.agents[call.agent or ""]
        talked = self.now - call.answered_at
        queue = self.queues.get(call.queue)
        if queue is not None:
            queue.ewt.handled(talked + agent.config.wrap_up)
        self._forget(call)
        agent.call = None
        self._out.append(CallEnded(call_id, call.queue, agent.config.id, self.now, talked))
        self._start_wrap_up(agent)
        return self._done()

    # ---------------------------------------------------------------- time
    def next_deadline(self) -> float | None:
        return self.timers.next_due()

    def tick(self, now: float | None = None) -> list[Output]:
        """Fire every timer due at ``now`` (default: the clock's time)."""
        self._begin()
        if now is not None:
            self.now = now
        while (timer := self.timers.pop_due(self.now)) is not None:
            if timer.kind == "wrap_up":
                agent = self.agents.get(timer.ref)
                if agent is not None and agent.epoch == timer.epoch and agent.state is S.WRAP_UP:
                    self._make_ready(agent)
                continue
            call = self.calls.get(timer.ref)
            if call is None:
                continue
            if timer.kind == "ring":
                if call.ring_epoch == timer.epoch and call.status is CallStatus.RINGING:
                    agents = call.ringing
                    self._out.append(CancelRing(call.id, agents))
                    for agent_id in agents:
                        self._ring_failed(call, self.agents[agent_id], RingOutcome.NO_ANSWER)
            elif call.epoch == timer.epoch:
                self._queue_timer(call, timer.kind, timer.arg)
        return self._done()

    def _queue_timer(self, call: CallRuntime, kind: str, arg: int) -> None:
        queue = self.queues[call.queue]
        if kind == "step":
            if arg + 1 < len(queue.steps):
                self.timers.add(call.joined + queue.steps[arg + 1].after, "step", call.id, call.epoch, arg + 1)
            if call.step < arg:
                if call.status is CallStatus.WAITING:
                    queue.waiting.move(call.key, call.step, arg)
                    call.step = arg
                    self._match_call(call)
                else:
                    call.step = arg
        elif kind == "max_wait":
            if call.status is CallStatus.WAITING and not call.callback:
                self._overflow(call, "max_wait")
        elif kind == "announce" and call.status is not CallStatus.CONNECTED:
            self.timers.add(self.now + queue.config.announce_interval, "announce", call.id, call.epoch)
            if call.status is CallStatus.WAITING and not call.callback:
                self._out.append(Announce(call.id, call.queue, queue.waiting.position(call.key),
                                          self._ewt(call, queue)))
