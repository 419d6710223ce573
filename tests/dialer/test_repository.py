"""The campaign repository on SQLite and PostgreSQL: campaigns, contacts due, attempts, callbacks, DNC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from caruso.dialer.codec import spec_from_dict
from caruso.dialer.errors import CampaignConfigError, CampaignNotFound
from caruso.dialer.model import AttemptResult, CampaignStatus, DialMode, Purpose
from caruso.dialer.retries import ContactPlan, ContactStatus
from caruso.storage.campaign_repository import CampaignRepository, NewContact
from caruso.storage.service import StorageManager

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC).timestamp()
SPEC = {"name": "winter-offer", "mode": "predictive", "purpose": "marketing", "queue": "sales",
        "identification_message": "This was ACME calling; we will call again.", "ring_timeout": 20,
        "calling_windows": [{"start": "09:00", "end": "19:00", "days": [0, 1, 2, 3, 4]}],
        "retry": {"max_attempts": 4, "busy_gap": 300}, "pacing": {"abandon_cap": 0.02, "target_abandon": 0.01}}


async def test_campaigns_round_trip_and_change_status(storage: StorageManager) -> None:
    repo = CampaignRepository(storage.database)
    created = await repo.create(spec_from_dict(SPEC))
    assert created.status is CampaignStatus.DRAFT
    again = await repo.get("winter-offer")
    assert again.spec == created.spec
    assert again.spec.mode is DialMode.PREDICTIVE and again.spec.purpose is Purpose.MARKETING
    assert again.spec.retry.busy_gap == 300 and again.spec.pacing.abandon_cap == 0.02
    with pytest.raises(CampaignConfigError, match="exists"):
        await repo.create(spec_from_dict(SPEC))
    running = await repo.set_status("winter-offer", CampaignStatus.RUNNING, T0)
    assert running.started_at == T0
    assert [c.spec.name for c in await repo.list()] == ["winter-offer"]
    with pytest.raises(CampaignNotFound):
        await repo.get("nope")


async def test_due_contacts_are_claimed_once_by_priority_and_time(storage: StorageManager) -> None:
    repo = CampaignRepository(storage.database)
    info = await repo.create(spec_from_dict(SPEC))
    await repo.add_contacts("winter-offer", [
        NewContact("+33142685301"), NewContact("+33142685302", priority=5, timezone="Europe/Paris"),
        NewContact("+33142685303", customer=("Customer", "C-3"), data={"plan": "gold"})])
    first = await repo.claim_due(info.id, T0, 2)
    assert [c.number for c in first] == ["+33142685302", "+33142685301"]
    assert first[0].timezone == "Europe/Paris"
    second = await repo.claim_due(info.id, T0, 5)
    assert [c.number for c in second] == ["+33142685303"]
    assert second[0].customer_object == "Customer" and second[0].data == {"plan": "gold"}
    assert await repo.claim_due(info.id, T0, 5) == []
    # a retry planned for later is not due before its time
    await repo.plan(second[0].id, ContactPlan(ContactStatus.PENDING, 1, next_attempt_at=T0 + 3600,
                                              agent_required=True))
    assert await repo.claim_due(info.id, T0 + 3599, 5) == []
    due = await repo.claim_due(info.id, T0 + 3600, 5)
    assert [c.id for c in due] == [second[0].id] and due[0].attempts == 1 and due[0].agent_required
    assert (await repo.contact_counts(info.id)) == {"in_progress": 3}
    assert await repo.reset_in_progress(info.id) == 3


async def test_attempts_feed_the_30_day_abandonment_figures(storage: StorageManager) -> None:
    repo = CampaignRepository(storage.database)
    info = await repo.create(spec_from_dict(SPEC))
    await repo.add_contacts("winter-offer", [NewContact("+33142685301")])
    contact = (await repo.claim_due(info.id, T0, 1))[0]
    day = 86_400
    for offset, result in ((-40 * day, AttemptResult.ABANDONED), (-2 * day, AttemptResult.ABANDONED),
                           (-1 * day, AttemptResult.CONNECTED), (0, AttemptResult.CONNECTED),
                           (0, AttemptResult.NO_ANSWER)):
        attempt = await repo.start_attempt(info.id, contact, T0 + offset)
        answered = T0 + offset + 5 if result is not AttemptResult.NO_ANSWER else None
        await repo.finish_attempt(attempt, result, ended_at=T0 + offset + 60, answered_at=answered, call_id="c1")
    days = await repo.live_answers_by_day(info.id, T0 + 100)
    assert sum(d[1] for d in days) == 3 and sum(d[2] for d in days) == 1     # the 40-day-old one is out
    assert await repo.attempt_counts(info.id) == {"abandoned": 2, "connected": 2, "no_answer": 1}


async def test_callbacks_come_due_at_their_time(storage: StorageManager) -> None:
    repo = CampaignRepository(storage.database)
    info = await repo.create(spec_from_dict(SPEC))
    await repo.add_contacts("winter-offer", [NewContact("+33142685301")])
    contact = (await repo.claim_due(info.id, T0, 1))[0]
    callback = await repo.add_callback(info.id, contact, T0 + 1800, note="after lunch")
    assert await repo.claim_due_callbacks(T0 + 1799) == []
    due = await repo.claim_due_callbacks(T0 + 1800)
    assert [(d.id, d.campaign, d.contact.number, d.due_at) for d in due] == \
        [(callback, "winter-offer", "+33142685301", T0 + 1800)]
    assert await repo.claim_due_callbacks(T0 + 1800) == []          # claimed once
    await repo.unclaim_callback(callback)
    assert len(await repo.claim_due_callbacks(T0 + 1801)) == 1
    await repo.finish_callback(callback, "done", T0 + 1900)
    assert await repo.pending_callbacks(info.id) == []


async def test_the_suppression_list_is_the_do_not_call_list(storage: StorageManager) -> None:
    repo = CampaignRepository(storage.database)
    assert not await repo.suppressed("+33142685301")
    await storage.consent.suppress("+33142685301", channel="phone", reason="asked on the phone")
    assert await repo.suppressed("+33142685301")
    await storage.consent.suppress("+33142685302", channel="email")
    assert not await repo.suppressed("+33142685302")
