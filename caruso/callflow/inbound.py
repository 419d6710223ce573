"""``InboundFlow``: one inbound call from arrival to hang-up: answer, IVR script (or straight to a queue),
queue, agent, voicemail; the call record is saved at arrival and at the end."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from caruso.acd.model import OverflowKind
from caruso.callflow.events import CallArrived, CallFinished
from caruso.callflow.records import CallRecordBuilder
from caruso.script.inputs import ActionResult
from caruso.telephony.interface import Call, CallEnded, DialFailed, Prompt

if TYPE_CHECKING:
    from caruso.callflow.service import CallFlowService

log = logging.getLogger(__name__)

CALLBACK_OFFER = "All our advisers are busy. To be called back at this number, press 1."
CALLBACK_TAKEN = "Thank you. We will call you back as soon as an adviser is free. Goodbye."


class InboundFlow:
    def __init__(self, service: CallFlowService, call: Call) -> None:
        self.service = service
        self.call = call
        self.record = CallRecordBuilder(service.repo, call)
        self.outcome = ""
        self.hangup_by = ""
        self.customer: Any = None

    async def run(self) -> None:
        call, svc = self.call, self.service
        svc.publish(CallArrived(call_id=call.id, caller=call.caller, called=call.called))
        await self.record.save()
        try:
            await call.answer()
            target = svc.route(call.called)
            if target.startswith("queue:"):
                await self.transfer(call, {"queue": target.removeprefix("queue:")}, [])
            else:
                objects = await self._identify()
                result = await svc.ivr.run(call, target, context={"caller": call.caller, "called": call.called},
                                           objects=objects,
                                           actions={"transfer": self.transfer, "voicemail": self.voicemail})
                self.outcome = self.outcome or ("ivr" if result != "no_input" else "no_input")
        except CallEnded as exc:
            self.hangup_by = self.hangup_by or ("caller" if exc.cause.value == "caller_hangup" else "system")
            self.outcome = self.outcome or ("failed" if exc.cause.value == "failed" else "ivr")
        finally:
            if not call.ended:
                self.hangup_by = self.hangup_by or "system"
                await call.hangup()
            self.record.ended(self.outcome or "ivr", self.hangup_by or "caller")
            await self.record.save()
            rec = self.record.record
            svc.publish(CallFinished(call_id=call.id, outcome=rec.outcome or "", hangup_by=rec.hangup_by or "",
                                     queue=rec.queue or "", agent=rec.agent or "", wait_seconds=rec.wait_seconds,
                                     talk_seconds=rec.talk_seconds))
            await svc.contact(call, rec, self.customer)

    async def _identify(self) -> dict[str, Any]:
        storage = self.service.storage
        if storage is None or not self.call.caller:
            return {}
        try:
            found = await storage.identify_caller(self.call.caller)
        except Exception as exc:
            log.warning("caller identification failed for %s: %s", self.call.caller, exc)
            return {}
        if not found:
            return {}
        self.customer = found[0]
        return {"customer": found[0]}

    # actions the IVR script asks for ------------------------------------------------------------
    async def transfer(self, call: Call, data: dict[str, Any], prompts: list[Prompt]) -> ActionResult:
        if prompts:
            await call.play(prompts)
        queue = data.get("queue")
        if not queue:
            number = str(data.get("number") or "")
            try:
                result = await call.bridge(number, ring_timeout=30)
            except DialFailed as exc:
                return ActionResult(ok=False, error=str(exc))
            self.outcome, self.hangup_by = "transferred", {"callee": "agent"}.get(result.hung_up_by, result.hung_up_by)
            self.record.update(transferred_to=number)
            return ActionResult(ok=True)
        svc = self.service
        if queue not in svc.acd.core.queues:
            return ActionResult(ok=False, error=f"no queue {queue!r}")
        result = await svc.line.wait_in_queue(call, queue, self.record)
        if result.outcome == "answered":
            self.outcome, self.hangup_by = "answered", result.hung_up_by
            return ActionResult(ok=True, value={"agent": result.agent})
        if result.outcome == "abandoned":
            self.outcome, self.hangup_by = "abandoned", "caller"
            raise CallEnded(message="the caller hung up in the queue")
        target = result.target
        self.record.update(outcome=None)
        if target is not None and target.kind is OverflowKind.VOICEMAIL:
            await self.voicemail(call, {"mailbox": target.target or f"queue:{queue}", "queue": queue}, [])
            return ActionResult(ok=True, value={"overflow": "voicemail"})
        if target is not None and target.kind is OverflowKind.HANGUP:
            self.outcome = "overflow"
            if target.target:
                await call.play(Prompt(text=target.target))
            raise CallEnded(message="overflow: hang up")
        if target is not None and target.kind is OverflowKind.NUMBER:
            return await self.transfer(call, {"number": target.target}, [])
        if target is not None and target.kind is OverflowKind.CALLBACK:
            return await self.offer_callback(call, queue)
        self.outcome = "overflow"
        return ActionResult(ok=False, error=f"queue {queue}: overflow")

    async def offer_callback(self, call: Call, queue: str) -> ActionResult:
        """The queue's overflow offers a call back: one key keeps the caller's place, the caller hangs up."""
        got = await call.collect(Prompt(text=CALLBACK_OFFER), max_digits=1, terminator="", first_timeout=8)
        if got.digits != "1" or not call.caller:
            self.outcome = "overflow"
            return ActionResult(ok=False, error=f"queue {queue}: no callback wanted")
        self.service.acd.request_callback(call.id, call.caller)
        await call.play(Prompt(text=CALLBACK_TAKEN))
        self.outcome, self.hangup_by = "callback", "system"
        raise CallEnded(message="callback requested")

    async def voicemail(self, call: Call, data: dict[str, Any], prompts: list[Prompt]) -> ActionResult:
        vm = self.service.voicemail
        if vm is None:
            return ActionResult(ok=False, error="no voicemail service")
        greeting = " ".join(p.text for p in prompts if p.text) or None
        mailbox = str(data.get("mailbox") or "general")
        queue = data.get("queue") or (mailbox.removeprefix("queue:") if mailbox.startswith("queue:") else None)
        agent = mailbox.removeprefix("agent:") if mailbox.startswith("agent:") else None
        customer = self.customer.ref if self.customer is not None else None
        record = await vm.leave(call, mailbox, greeting=greeting, queue=queue, agent=agent, customer=customer)
        self.outcome = "voicemail"
        if record is not None:
            self.record.update(recording_path=record.path)
        return ActionResult(ok=True, value={"voicemail": record.id if record else None})
