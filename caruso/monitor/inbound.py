"""Events in: map the ACD's (and the dialer's) bus events onto the status projection.

Dispatch is one dict look-up by the event's ``kind``; events the monitor does not show are ignored.
The field names follow the ACD core's notices (caruso/acd/decisions.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from caruso import keys
from caruso.core.manager import ServiceManager
from caruso.events.base import Event
from caruso.monitor.projection import Message, StatusProjection

log = logging.getLogger(__name__)

EVENT_TYPES: tuple[type[Event], ...] = (Event,)


def _str(value: Any) -> str:
    return str(getattr(value, "value", value) or "")


class Inbound:
    def __init__(self, projection: StatusProjection, publish: Callable[[list[Message]], None]) -> None:
        self.p = projection
        self.publish = publish
        self.services: ServiceManager | None = None
        self._stated: set[str] = set()     # agents whose state came from the ACD's picture once
        self._handlers: dict[str, Callable[[Any], list[Message]]] = {
            "acd.agent_state_changed": self._agent_state,
            "acd.call_queued": self._queued,
            "acd.call_answered": self._answered,
            "acd.call_abandoned": self._abandoned,
            "acd.call_overflowed": self._overflowed,
            "acd.call_transferred": self._transferred,
            "acd.call_ended": self._ended,
            "acd.config_reloaded": self._reloaded,
            "dialer.campaign_progress": self._campaign,
            "dialer.campaign_status": self._campaign,
        }

    def apply(self, event: Any) -> None:
        handler = self._handlers.get(getattr(event, "kind", ""))
        if handler is not None:
            self.publish(handler(event))

    def _agent_state(self, e: Any) -> list[Message]:
        return self.p.on_agent_state(_str(e.agent), _str(e.new), e.at, reason=_str(getattr(e, "reason", "")),
                                     call=_str(getattr(e, "call", "")) or None)

    def _queued(self, e: Any) -> list[Message]:
        return self.p.on_queued(_str(e.call), _str(e.queue), e.at, caller=_str(getattr(e, "caller", "")),
                                ewt=getattr(e, "ewt", None), requeued=bool(getattr(e, "requeued", False)))

    def _answered(self, e: Any) -> list[Message]:
        return self.p.on_answered(_str(e.call), _str(e.queue), e.at, float(e.waited))

    def _abandoned(self, e: Any) -> list[Message]:
        return self.p.on_abandoned(_str(e.call), _str(e.queue), e.at, float(e.waited))

    def _overflowed(self, e: Any) -> list[Message]:
        return self.p.on_overflowed(_str(e.call), _str(e.queue), e.at)

    def _transferred(self, e: Any) -> list[Message]:
        return self.p.on_transferred(_str(e.call), e.at)

    def _ended(self, e: Any) -> list[Message]:
        return self.p.on_ended(_str(e.call), e.at, float(getattr(e, "talked", 0.0)))

    def _reloaded(self, e: Any) -> list[Message]:
        """Queues or agents were added or changed: take their names and memberships again."""
        return self._seed_from_acd()

    def _campaign(self, e: Any) -> list[Message]:
        data = {k: v for k, v in e.as_dict().items() if k not in ("id", "kind", "campaign")}
        known = self.p.campaigns.get(_str(e.campaign), {})
        return self.p.on_campaign(_str(e.campaign), {**{k: v for k, v in known.items() if k != "id"}, **data})

    async def seed(self, services: ServiceManager) -> None:
        """Agents and queues as the ACD has them now (names, memberships, states)."""
        self.services = services
        self._seed_from_acd()

    def _seed_from_acd(self) -> list[Message]:
        acd = self.services.find(keys.ACD) if self.services is not None else None
        if acd is None or not hasattr(acd, "monitor_seed"):
            return []
        out: list[Message] = []
        for item in acd.monitor_seed():
            kind = item.pop("type")
            if kind == "queue":
                out += self.p.set_queue(item["id"], name=item.get("name", ""), sl_seconds=item.get("sl_seconds"))
            elif kind == "agent":
                out += self.p.set_agent(item["id"], name=item.get("name", ""), queues=tuple(item.get("queues", ())))
                if item.get("state") and item["id"] not in self._stated:
                    out += self.p.on_agent_state(item["id"], item["state"], item.get("since", 0.0),
                                                 reason=item.get("reason", ""), call=item.get("call"))
                self._stated.add(item["id"])
        return out
