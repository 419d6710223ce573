"""Consent: opt-out wins, latest decision per scope, double opt-in, suppression, defaults, at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from caruso.core.manager import ServiceManager
from caruso.events.bus import EventBus
from caruso.keys import EVENTS
from caruso.storage.consent import ConsentRecord, _verdict
from caruso.storage.errors import ConsentError
from caruso.storage.events import ConsentChanged
from caruso.storage.service import StorageManager
from tests.storage.conftest import Backend

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def _customer(storage: StorageManager, phone: str = "04 72 00 11 22"):
    return await storage.objects.create("Customer", {"number": "C-1", "lastName": "Roux", "phone": phone,
                                                     "email": "roux@example.org"})


async def test_defaults_service_yes_marketing_no(storage: StorageManager) -> None:
    customer = await _customer(storage)
    assert await storage.may_contact(customer, "phone", "service")
    assert not await storage.may_contact(customer, "phone", "marketing")
    decision = await storage.contact_decision("0472001122", "sms", "marketing")
    assert not decision.allowed and "no consent recorded" in decision.reason


async def test_opt_out_of_a_number_applies_to_its_customer_and_the_other_way(storage: StorageManager) -> None:
    customer = await _customer(storage)
    await storage.set_consent(customer, "phone", "marketing", "opt_in", source="web form", at=T0)
    assert await storage.may_contact(customer, "phone", "marketing", T0)
    assert await storage.may_contact("+33472001122", "phone", "marketing", T0)
    # the customer says "not this number" on the phone: the number's opt-out beats the customer's opt-in
    await storage.set_consent("04 72 00 11 22", "phone", "marketing", "opt_out", source="agent alice",
                              proof="call 42", at=T0 + timedelta(hours=1))
    assert not await storage.may_contact(customer, "phone", "marketing", T0 + timedelta(hours=2))
    assert not await storage.may_contact("0472001122", "phone", "marketing", T0 + timedelta(hours=2))
    # ... but not before it was given, and not for other channels or purposes
    assert await storage.may_contact(customer, "phone", "marketing", T0 + timedelta(minutes=30))
    assert await storage.may_contact(customer, "email", "service", T0 + timedelta(hours=2))
    assert await storage.may_contact(customer, "phone", "service", T0 + timedelta(hours=2))


async def test_a_later_opt_in_in_the_same_scope_renews_consent(storage: StorageManager) -> None:
    customer = await _customer(storage)
    await storage.set_consent(customer, "email", "marketing", "opt_out", source="unsubscribe link", at=T0)
    await storage.set_consent(customer, "email", "marketing", "opt_in", source="web form",
                              at=T0 + timedelta(days=30))
    assert not await storage.may_contact(customer, "email", "marketing", T0 + timedelta(days=1))
    assert await storage.may_contact(customer, "email", "marketing", T0 + timedelta(days=31))
    assert await storage.may_contact("roux@EXAMPLE.org", "email", "marketing", T0 + timedelta(days=31))


def test_at_the_same_instant_opt_out_wins() -> None:
    def rec(ident: int, status: str) -> ConsentRecord:
        return ConsentRecord(ident, ("Customer", "1"), None, "phone", "marketing", status, "x", None, T0)

    assert not _verdict([rec(2, "opt_in"), rec(1, "opt_out")], "marketing").allowed
    assert not _verdict([rec(1, "opt_in"), rec(2, "opt_out")], "marketing").allowed


async def test_double_opt_in_is_pending_until_confirmed(storage: StorageManager) -> None:
    customer = await _customer(storage)
    pending, token = await storage.request_opt_in(customer, "email", "marketing", source="newsletter form",
                                                  proof="ip 192.0.2.7")
    assert pending.status == "pending"
    assert not await storage.may_contact(customer, "email", "marketing")
    confirmed = await storage.confirm_opt_in(token, proof="clicked link")
    assert confirmed.status == "opt_in" and confirmed.confirmed_at is not None
    assert confirmed.proof == "ip 192.0.2.7\nclicked link"
    assert await storage.may_contact(customer, "email", "marketing")
    with pytest.raises(ConsentError, match="unknown or already used"):
        await storage.confirm_opt_in(token)


async def test_an_expired_double_opt_in_cannot_be_confirmed(storage: StorageManager) -> None:
    _, token = await storage.request_opt_in("0472001122", "sms", "marketing", source="ivr",
                                            valid_for=timedelta(hours=1))
    with pytest.raises(ConsentError, match="expired"):
        await storage.confirm_opt_in(token, at=datetime.now(UTC) + timedelta(hours=2))
    assert not await storage.may_contact("0472001122", "sms", "marketing")


async def test_the_suppression_list_blocks_every_purpose(storage: StorageManager) -> None:
    customer = await _customer(storage)
    await storage.set_consent(customer, "phone", "marketing", "opt_in", source="web form")
    await storage.consent.suppress("+33472001122", reason="erasure request")
    assert not await storage.may_contact(customer, "phone", "marketing")
    assert not await storage.may_contact("04 72 00 11 22", "phone", "service")
    assert await storage.may_contact(customer, "email", "service")  # other address, not suppressed


async def test_a_withdrawal_is_published_and_in_force_at_once(backend: Backend) -> None:
    services = ServiceManager()
    bus = EventBus()
    services.register(EVENTS, bus)
    seen: list[ConsentChanged] = []

    async def on_event(event: ConsentChanged) -> None:
        seen.append(event)

    bus.subscribe(on_event, [ConsentChanged], name="test")
    storage = StorageManager.standalone(backend.config(), services)
    async with bus.lifespan(), storage.lifespan():
        customer = await _customer(storage)
        await storage.set_consent(customer, "phone", "marketing", "opt_in", source="web")
        assert await storage.may_contact("0472001122", "phone", "marketing")
        await storage.set_consent("0472001122", "phone", "marketing", "opt_out", source="ivr")
        assert not await storage.may_contact(customer, "phone", "marketing")
        await bus.drain()
    assert [(e.status, e.address) for e in seen] == [("opt_in", None), ("opt_out", "+33472001122")]


async def test_bad_consent_requests_are_clear_errors(storage: StorageManager) -> None:
    with pytest.raises(ConsentError, match="unknown channel 'fax'"):
        await storage.may_contact("0472001122", "fax", "service")
    with pytest.raises(ConsentError, match="unknown purpose 'surveys'"):
        await storage.set_consent("0472001122", "phone", "surveys", "opt_in", source="x")
    with pytest.raises(ConsentError, match="neither a phone number nor an e-mail address"):
        await storage.may_contact("hello", "phone", "service")
