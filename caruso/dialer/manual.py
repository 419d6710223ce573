"""A call an agent places by hand from the desktop: the gate still decides (consent for service calls,
the do-not-call list, the calling window), the agent's phone rings first, then the customer is dialed."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from caruso.dialer.errors import DialerError
from caruso.dialer.model import AttemptResult, CampaignSpec, Contact, Purpose
from caruso.storage.phone import normalise_number
from caruso.telephony.interface import Call, CallEnded, DialFailed

if TYPE_CHECKING:
    from caruso.dialer.service import DialerService

log = logging.getLogger(__name__)
MANUAL = CampaignSpec("manual", purpose=Purpose.SERVICE)


async def place_manual_call(service: DialerService, agent: str, number: str, customer: Any = None) -> Call:
    try:
        e164 = normalise_number(number, service.config.storage.default_country)
    except ValueError as exc:
        raise DialerError(str(exc)) from None
    ref = None
    if isinstance(customer, dict) and customer.get("object") and customer.get("key"):
        ref = (str(customer["object"]), str(customer["key"]))
    contact = Contact(0, e164, ref[0] if ref else None, ref[1] if ref else None)
    verdict = await service.gate.check(MANUAL, contact)
    if not verdict.allowed:
        raise DialerError(f"not dialed: {verdict.detail}")
    reserved = service.agents.reserve("", agent)
    if reserved is None:
        raise DialerError(f"agent {agent!r} is not ready")
    started = service.clock()
    try:
        agent_leg = await service.switch.originate(reserved.phone, caller_id=e164,
                                                   ring_timeout=service.settings.agent_ring_timeout)
    except BaseException:
        service.agents.release(reserved.id, wrap_up=False)
        raise

    async def talk() -> None:
        outcome = AttemptResult.CONNECTED
        try:
            await agent_leg.bridge(service.dial_target(e164), ring_timeout=MANUAL.ring_timeout)
        except DialFailed as exc:
            outcome = {"busy": AttemptResult.BUSY, "no_answer": AttemptResult.NO_ANSWER,
                       "rejected": AttemptResult.REJECTED}.get(exc.cause.value, AttemptResult.FAILED)
        except CallEnded:
            pass
        finally:
            if not agent_leg.ended:
                await agent_leg.hangup()
            service.agents.release(reserved.id, wrap_up=outcome is AttemptResult.CONNECTED)
        await service.record_history(MANUAL, None, contact, outcome, started_at=started, ended_at=service.clock(),
                                     call=agent_leg, agent=reserved.id, outcome=outcome.value)

    service.track(talk())
    return agent_leg
