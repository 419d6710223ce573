"""Core outputs to bus events (pure)."""

from __future__ import annotations

from caruso.acd import decisions as d
from caruso.acd import events as ev
from caruso.events.base import Event


def to_event(out: d.Output, callers: dict[str, str], at: float) -> Event | None:
    if isinstance(out, d.AgentStateChanged):
        return ev.AgentStateChanged(at=out.at, agent=out.agent, old=out.old.value, new=out.new.value,
                                    time_in_previous=out.time_in_previous, reason=out.reason, call=out.call)
    if isinstance(out, d.CallQueued):
        return ev.CallQueued(at=out.at, call=out.call, queue=out.queue, position=out.position, ewt=out.ewt,
                             caller=callers.get(out.call, ""), requeued=out.requeued)
    if isinstance(out, d.Reserve):
        return ev.CallOffered(at=at, call=out.call, queue=out.queue, agents=out.agents, callback=out.callback)
    if isinstance(out, d.CallAnswered):
        return ev.CallAnswered(at=out.at, call=out.call, queue=out.queue, agent=out.agent, waited=out.waited)
    if isinstance(out, d.CallRingFailed):
        return ev.CallRingFailed(at=out.at, call=out.call, queue=out.queue, agent=out.agent,
                                 outcome=out.outcome.value)
    if isinstance(out, d.CallAbandoned):
        return ev.CallAbandoned(at=out.at, call=out.call, queue=out.queue, waited=out.waited)
    if isinstance(out, d.Overflow):
        return ev.CallOverflowed(at=at, call=out.call, queue=out.queue, target_kind=out.target.kind.value,
                                 target=out.target.target, reason=out.reason)
    if isinstance(out, d.CallbackRequested):
        return ev.CallbackRequested(at=out.at, call=out.call, queue=out.queue, number=out.number)
    if isinstance(out, d.CallEnded):
        return ev.CallEnded(at=out.at, call=out.call, queue=out.queue, agent=out.agent, talked=out.talked)
    return None
