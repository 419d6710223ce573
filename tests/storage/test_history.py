"""Contact history: append every kind of interaction; read a customer's timeline newest first, page by page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from caruso.storage.errors import StorageError
from caruso.storage.history import KINDS, ContactEvent
from caruso.storage.service import StorageManager

T0 = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)


async def test_a_timeline_pages_newest_first_without_gaps_or_repeats(storage: StorageManager) -> None:
    customer = ("Customer", "1")
    kinds = sorted(KINDS)
    events = []
    for i in range(23):
        # pairs of events at the same instant: the id breaks the tie
        at = T0 + timedelta(minutes=i // 2)
        events.append(await storage.record_contact(ContactEvent(
            kind=kinds[i % len(kinds)], channel="phone", customer=customer, started_at=at,
            ended_at=at + timedelta(minutes=3), agent="alice", queue="billing", outcome="answered",
            detail_kind="recording", detail_ref=f"/var/rec/{i}.wav", call_id=f"call-{i}")))
    await storage.record_contact(ContactEvent(kind="email", channel="email", customer=("Customer", "2"),
                                              started_at=T0))
    seen, cursor, pages = [], None, 0
    while True:
        page = await storage.timeline(customer, limit=5, cursor=cursor)
        pages += 1
        seen.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 5
    expected = sorted(events, key=lambda e: (e.started_at, e.id), reverse=True)
    assert [e.id for e in seen] == [e.id for e in expected]
    assert seen[0] == expected[0]  # everything round-trips: times, agent, queue, outcome, detail link


async def test_new_interactions_do_not_shift_the_next_page(storage: StorageManager) -> None:
    customer = ("Customer", "9")
    for i in range(4):
        await storage.record_contact(ContactEvent(kind="inbound_call", channel="phone", customer=customer,
                                                  started_at=T0 + timedelta(hours=i)))
    first = await storage.timeline(customer, limit=2)
    await storage.record_contact(ContactEvent(kind="callback", channel="phone", customer=customer,
                                              started_at=T0 + timedelta(hours=9)))
    second = await storage.timeline(customer, limit=2, cursor=first.next_cursor)
    assert [e.started_at.hour for e in first.items + second.items] == [11, 10, 9, 8]
    assert second.next_cursor is None


async def test_a_timeline_of_a_business_object(storage: StorageManager) -> None:
    customer = await storage.objects.create("Customer", {"number": "C-1", "lastName": "Roux"})
    await storage.record_contact(ContactEvent(kind="self_service", channel="web", customer=customer.ref,
                                              started_at=T0, detail_kind="script_run", detail_ref="run-1"))
    page = await storage.timeline(customer)
    assert [(e.kind, e.detail_ref, e.customer) for e in page.items] == [("self_service", "run-1",
                                                                          ("Customer", str(customer.key)))]


async def test_bad_interactions_are_refused(storage: StorageManager) -> None:
    with pytest.raises(StorageError, match="unknown contact kind 'fax'"):
        await storage.record_contact(ContactEvent(kind="fax", channel="phone", started_at=T0))
    with pytest.raises(StorageError, match="unknown channel 'pigeon'"):
        await storage.record_contact(ContactEvent(kind="email", channel="pigeon", started_at=T0))
    with pytest.raises(StorageError, match="aware datetime"):
        await storage.record_contact(ContactEvent(kind="email", channel="email", started_at=datetime(2026, 1, 1)))
    with pytest.raises(StorageError, match="not a timeline cursor"):
        await storage.timeline(("Customer", "1"), cursor="garbage")
