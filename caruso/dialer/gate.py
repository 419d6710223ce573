"""The compliance gate at dial time: asks storage for consent and the do-not-call list at the moment of
dialing (nothing cached, so a withdrawal recorded a second ago stops the call), then the pure rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from caruso.dialer.compliance import ConsentAnswer, Verdict, evaluate
from caruso.dialer.model import CampaignSpec, Contact


class DialGate:
    def __init__(self, storage: Any, repository: Any, clock: Callable[[], float]) -> None:
        self.storage = storage          # caruso.storage.service.StorageManager
        self.repository = repository    # caruso.storage.campaign_repository.CampaignRepository
        self.clock = clock

    async def consent(self, campaign: CampaignSpec, contact: Contact, at: datetime) -> ConsentAnswer:
        """Both the customer (all their numbers) and the number dialed must be allowed."""
        subjects: list[Any] = [contact.number]
        if contact.customer_object and contact.customer_key:
            subjects.insert(0, (contact.customer_object, contact.customer_key))
        for subject in subjects:
            decision = await self.storage.contact_decision(subject, "phone", campaign.purpose.value, at)
            if not decision.allowed:
                status = decision.record.status if decision.record is not None else "none"
                return ConsentAnswer(False, status, decision.reason)
        return ConsentAnswer(True, "opt_in", "allowed")

    async def check(self, campaign: CampaignSpec, contact: Contact, *, agent_reserved: bool = False,
                    callback: bool = False) -> Verdict:
        at = datetime.fromtimestamp(self.clock(), UTC)
        do_not_call = await self.repository.suppressed(contact.number)
        consent = ConsentAnswer(True) if do_not_call else await self.consent(campaign, contact, at)
        return evaluate(campaign, contact, at, consent=consent, do_not_call=do_not_call,
                        agent_reserved=agent_reserved, callback=callback)
