"""``CallFlowService`` (service ``ivr``): routes every inbound call of the telephony service through its
flow (IVR script → ACD queue → agent / voicemail) and places outbound calls.

Queues and agents: ``[settings.queues.<id>]`` and ``[settings.agents.<id>]`` tables (fields of the ACD's
``QueueConfig`` / ``AgentConfig``), or ``set_queue``/``set_agent``/``agent_state`` at run time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from caruso import paths
from caruso.acd import AgentConfig, AgentState, Membership, OverflowTarget, QueueConfig
from caruso.acd.model import OverflowKind
from caruso.acd.service import AcdService
from caruso.callflow.inbound import InboundFlow
from caruso.callflow.ivr import IvrHost, IvrSettings
from caruso.callflow.outbound import Outbound
from caruso.callflow.queueing import CallLine
from caruso.callflow.records import retrying
from caruso.core.component import Health
from caruso.core.descriptors import ServiceContext
from caruso.keys import ACD, EVENTS, SCRIPTS, STORAGE, TELEPHONY, VOICEMAIL
from caruso.script.interpreter import Interpreter, ScriptSet
from caruso.script.loader import load_files
from caruso.storage.calls_repository import CallRecord, CallsRepository
from caruso.storage.history import ContactEvent
from caruso.telephony.interface import Call

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallFlowSettings:
    # called number -> dialog script id, or "queue:<id>" to queue without IVR; "*" is the default
    numbers: dict[str, str] = field(default_factory=lambda: {"*": "ivr-main"})
    queues: dict[str, dict[str, Any]] = field(default_factory=dict)
    agents: dict[str, dict[str, Any]] = field(default_factory=dict)
    hold_music: str = ""
    tries: int = 3
    first_timeout: float = 6.0


def queue_config(queue_id: str, data: dict[str, Any]) -> QueueConfig:
    data = dict(data)
    overflow = data.pop("overflow", None)
    if isinstance(overflow, str):
        kind, _, target = overflow.partition(":")
        data["overflow"] = OverflowTarget(OverflowKind(kind), target)
    return QueueConfig(id=queue_id, **data)


def agent_config(agent_id: str, data: dict[str, Any]) -> AgentConfig:
    data = dict(data)
    queues = data.pop("queues", [])
    return AgentConfig(id=agent_id, queues=tuple(Membership(q) for q in queues), **data)


class CallFlowService:
    Settings = CallFlowSettings

    def __init__(self, ctx: Any) -> None:
        self.settings: CallFlowSettings = ctx.settings or CallFlowSettings()
        self.config = ctx.config
        self._services = ctx.services
        self.repo: CallsRepository | None = None
        self.storage: Any = None
        self.voicemail: Any = None
        self._bus: Any = None
        self.acd: Any = None              # the ACD service (a private one when none is registered)
        self.line: CallLine = None  # type: ignore[assignment]
        self.ivr: IvrHost = None  # type: ignore[assignment]  # built at start (scripts loaded then)
        self.outbound = Outbound(self)
        self.ringing_at: dict[str, float] = {}

    # lifecycle ----------------------------------------------------------------------------------
    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            await self._start(stack)
            try:
                yield
            finally:
                self.acd.set_line(None)

    async def _start(self, stack: AsyncExitStack) -> None:
        self._bus = self._services.find(EVENTS)
        self.storage = self._services.find(STORAGE)
        self.repo = CallsRepository(self.storage.database) if self.storage is not None else None
        self.voicemail = self._services.find(VOICEMAIL)
        folders = [paths.shipped("scripts_xml")]
        if self.config.scripts.directory is not None:
            folders.append(Path(self.config.scripts.directory))
        source: Any = self._services.find(SCRIPTS)
        if source is None:      # no script repository service: load the folders once
            loaded = load_files(sorted(p for f in folders for p in Path(f).glob("*.xml")), later_wins=True)
            for problem in loaded.problems:
                log.warning("dialog script problem: %s", problem)
            source = ScriptSet(loaded.scripts)
        self.ivr = IvrHost(Interpreter(source, clock=time.time), folders,
                           settings=IvrSettings(tries=self.settings.tries, first_timeout=self.settings.first_timeout))
        self.acd = self._services.find(ACD)
        if self.acd is None:      # no ACD service: queues and agents from these settings only
            settings = AcdService.Settings(load_from_storage=False, poll_seconds=0)
            self.acd = AcdService(ServiceContext("acd", self.config, settings, self._services))
            await stack.enter_async_context(self.acd.lifespan())
        for queue_id, data in self.settings.queues.items():
            self.acd.set_queue(queue_config(queue_id, data))
        for agent_id, data in self.settings.agents.items():
            self.acd.set_agent(agent_config(agent_id, data))
        music = Path(self.settings.hold_music) if self.settings.hold_music else None
        switch = self._services.get(TELEPHONY)
        self.line = CallLine(self.acd, switch=switch, music=music, on_ringing=self._ringing)
        self.acd.set_line(self.line)
        stack.push_async_callback(self.line.stop)
        switch.set_inbound_handler(self.handle)
        if self.config.server.demo:
            await self._demo_accounts(switch)

    async def _demo_accounts(self, switch: Any) -> None:
        """Demo: every agent whose phone is a SIP user of ours may register with its user name as password."""
        setter = getattr(switch, "set_credentials", None)
        if setter is None:
            return
        for agent in self.acd.core.agents.values():
            phone = agent.config.phone or ""
            user = phone.removeprefix("sip:").split("@", 1)[0] if phone.startswith("sip:") else ""
            if user:
                try:
                    await setter(user, user)
                except Exception as exc:
                    log.warning("demo: no SIP account for %s: %s", user, exc)

    def health(self) -> Health:
        if self.line is None:
            return Health.down("not started")
        return Health.ok(f"{len(self.line.waiters)} call(s) waiting")

    def publish(self, event: Any) -> None:
        if self._bus is not None:
            self._bus.publish(event)

    def route(self, called: str) -> str:
        return self.settings.numbers.get(called) or self.settings.numbers.get("*", "ivr-main")

    # calls --------------------------------------------------------------------------------------
    async def handle(self, call: Call) -> None:
        await InboundFlow(self, call).run()

    def _ringing(self, call_id: str, agent_id: str) -> None:
        self.ringing_at[call_id] = time.time()

    async def contact(self, call: Call, record: CallRecord, customer: Any) -> None:
        if self.storage is None:
            return
        event = ContactEvent(
            kind="inbound_call" if record.direction == "inbound" else "outbound_call", channel="phone",
            started_at=record.arrived_at, ended_at=record.ended_at or datetime.now(UTC),
            customer=customer.ref if customer is not None else None, address=call.caller or None,
            direction=record.direction, agent=record.agent, queue=record.queue, outcome=record.outcome,
            detail_kind="call", detail_ref=call.id, call_id=call.id)
        await retrying(lambda: self.storage.record_contact(event), f"the contact history of call {call.id}")

    # queues and agents (through the ACD) --------------------------------------------------------
    def set_queue(self, queue_id: str, **data: Any) -> None:
        self.acd.set_queue(queue_config(queue_id, data))

    def set_agent(self, agent_id: str, **data: Any) -> None:
        self.acd.set_agent(agent_config(agent_id, data))

    def agent_state(self, agent_id: str, state: AgentState | str, reason: str = "") -> None:
        self.acd.agent_state(agent_id, AgentState(state), reason)
