"""Outbound calls: originate to a number/URI and, on answer, connect it to an agent's phone or run a
script on it.  Busy, no answer, rejected and failed are told apart (``DialFailed.cause``) and recorded."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from caruso.callflow.events import CallFinished
from caruso.callflow.records import CallRecordBuilder
from caruso.keys import TELEPHONY
from caruso.telephony.interface import Call, CallDirection, CallEnded, DialFailed, HangupCause

if TYPE_CHECKING:
    from caruso.callflow.service import CallFlowService


class _Attempt:
    """Stands in for the call in the record until the switch gives us one (the dial may fail)."""

    def __init__(self, target: str, caller_id: str | None) -> None:
        self.id = f"out-{id(self):x}"
        self.caller = caller_id or ""
        self.called = target
        self.direction = CallDirection.OUTBOUND


class Outbound:
    def __init__(self, service: CallFlowService) -> None:
        self.service = service

    async def call(self, target: str, *, agent: str | None = None, script: str | None = None,
                   caller_id: str | None = None, ring_timeout: float = 30.0) -> str:
        """Place the call; returns its outcome.  Raises DialFailed (with the cause) when not answered."""
        svc = self.service
        switch = svc._services.get(TELEPHONY)
        try:
            call = await switch.originate(target, caller_id=caller_id, ring_timeout=ring_timeout)
        except DialFailed as exc:
            record = CallRecordBuilder(svc.repo, _Attempt(target, caller_id), "outbound")  # type: ignore[arg-type]
            record.ended(exc.cause.value, "system")
            await record.save()
            svc.publish(CallFinished(call_id=record.record.id, outcome=exc.cause.value, hangup_by="system"))
            raise
        record = CallRecordBuilder(svc.repo, call, "outbound")
        record.update(answered_at=record.record.arrived_at)
        await record.save()
        outcome, by = "answered", "system"
        try:
            if agent is not None:
                outcome, by = await self._connect(call, agent, record)
            elif script is not None:
                await svc.ivr.run(call, script, context={"called": target, "direction": "outbound"})
        except CallEnded:
            by = "callee"
        finally:
            if not call.ended:
                await call.hangup()
            record.ended(outcome, by)
            await record.save()
            svc.publish(CallFinished(call_id=call.id, outcome=outcome, hangup_by=by, agent=agent or ""))
        return outcome

    async def _connect(self, call: Call, agent: str, record: CallRecordBuilder) -> tuple[str, str]:
        agents = self.service.acd.core.agents
        phone = (agents[agent].config.phone or agent) if agent in agents else agent
        leg = record.offered(agent, phone)
        try:
            result = await call.bridge(phone, ring_timeout=30, on_answered=lambda: record.answered(agent, leg))
        except DialFailed as exc:
            return ("agent_" + exc.cause.value, "system")
        by: dict[str, Any] = {"caller": "customer", "callee": "agent"}
        return "answered", by.get(result.hung_up_by, "system")


__all__ = ["Outbound", "HangupCause"]
