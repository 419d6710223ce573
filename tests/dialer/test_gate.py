"""The gate at dial time asks storage then: a consent withdrawn after the list was loaded stops the call."""

from __future__ import annotations

from datetime import UTC, datetime

from caruso.dialer.codec import spec_from_dict
from caruso.dialer.compliance import BlockReason
from caruso.dialer.gate import DialGate
from caruso.storage.campaign_repository import CampaignRepository, NewContact
from caruso.storage.service import StorageManager

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)      # 11:00 in Paris, a Monday
MARKETING = {"name": "spring", "purpose": "marketing", "queue": "sales"}
SERVICE = {"name": "renewals", "purpose": "service", "queue": "sales"}


async def _loaded(storage: StorageManager, data: dict, contacts: list[NewContact]):  # noqa: ANN202
    repo = CampaignRepository(storage.database)
    info = await repo.create(spec_from_dict(data))
    await repo.add_contacts(info.spec.name, contacts)
    claimed = await repo.claim_due(info.id, NOW.timestamp(), 10)
    return info.spec, DialGate(storage, repo, lambda: NOW.timestamp()), claimed


async def test_withdrawn_consent_between_loading_and_dialing_stops_the_call(storage: StorageManager) -> None:
    customer = await storage.objects.create("Customer", {"number": "C-1", "lastName": "Roux",
                                                         "phone": "+33142685301"})
    await storage.set_consent(customer, "phone", "marketing", "opt_in", source="web form",
                              at=datetime(2026, 1, 1, tzinfo=UTC))
    spec, gate, (contact,) = await _loaded(storage, MARKETING, [NewContact("+33142685301", customer=customer.ref)])
    assert (await gate.check(spec, contact)).allowed
    # the customer withdraws after the list was loaded: the very next dial is refused
    await storage.set_consent("+33142685301", "phone", "marketing", "opt_out", source="e-mail",
                              at=datetime(2026, 11, 23, 9, 59, tzinfo=UTC))
    verdict = await gate.check(spec, contact)
    assert not verdict.allowed and verdict.reason is BlockReason.CONSENT_WITHDRAWN


async def test_marketing_needs_an_opt_in_service_does_not(storage: StorageManager) -> None:
    spec, gate, (contact,) = await _loaded(storage, MARKETING, [NewContact("+33142685302")])
    verdict = await gate.check(spec, contact)
    assert verdict.reason is BlockReason.CONSENT_MISSING
    spec, gate, (contact,) = await _loaded(storage, SERVICE, [NewContact("+33142685302")])
    assert (await gate.check(spec, contact)).allowed


async def test_a_customer_level_opt_out_blocks_a_number_loaded_for_them(storage: StorageManager) -> None:
    customer = await storage.objects.create("Customer", {"number": "C-2", "lastName": "Blanc",
                                                         "phone": "+33142685303"})
    await storage.set_consent(customer, "phone", "service", "opt_out", source="letter",
                              at=datetime(2026, 11, 1, tzinfo=UTC))
    # loaded with another number of theirs (not on the record): still them, still no
    spec, gate, (contact,) = await _loaded(storage, SERVICE, [NewContact("+33611223344", customer=customer.ref)])
    assert (await gate.check(spec, contact)).reason is BlockReason.CONSENT_WITHDRAWN


async def test_the_do_not_call_list_holds(storage: StorageManager) -> None:
    spec, gate, (contact,) = await _loaded(storage, SERVICE, [NewContact("+33142685304")])
    await storage.consent.suppress("+33142685304", channel="phone", reason="national DNC register")
    assert (await gate.check(spec, contact)).reason is BlockReason.DO_NOT_CALL
