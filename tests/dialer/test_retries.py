"""Retries with minimum gaps, callbacks at the promised time, dispositions from the script's outcome."""

from __future__ import annotations

from datetime import datetime, time, timezone

import pytest

from caruso.dialer.compliance import BlockReason, ConsentAnswer, evaluate
from caruso.dialer.dispositions import DispositionTable
from caruso.dialer.errors import CallbackRejected
from caruso.dialer.model import AttemptResult, CallingWindow, CampaignSpec, Contact, RetryRules
from caruso.dialer.retries import Callback, CallbackBook, ContactStatus, after_attempt, check_promise

CAMPAIGN = CampaignSpec("service-calls", windows=(CallingWindow(time(8), time(21), frozenset(range(7))),),
                        retry=RetryRules(max_attempts=3, no_answer_gap=3600, busy_gap=600))
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc).timestamp()     # 10:00 in Paris
PARIS = "+33142685300"
TABLE = DispositionTable()


def allowed(contact: Contact, at: float, **kw: object) -> bool:
    verdict = evaluate(CAMPAIGN, contact, datetime.fromtimestamp(at, timezone.utc),
                       consent=ConsentAnswer(True, "opt_in"), do_not_call=False, **kw)  # type: ignore[arg-type]
    return verdict.allowed


def apply(contact: Contact, plan) -> Contact:  # noqa: ANN001
    return Contact(contact.id, contact.number, attempts=plan.attempts, next_attempt_at=plan.next_attempt_at,
                   agent_required=plan.agent_required)


def test_retries_come_back_after_their_gap_and_not_before() -> None:
    contact = Contact(1, PARIS)
    plan = after_attempt(CAMPAIGN, contact, AttemptResult.NO_ANSWER, T0)
    assert plan.status is ContactStatus.PENDING and plan.next_attempt_at == T0 + 3600
    contact = apply(contact, plan)
    assert not allowed(contact, T0 + 3599)
    assert allowed(contact, T0 + 3600)
    plan = after_attempt(CAMPAIGN, contact, AttemptResult.BUSY, T0 + 3600)
    assert plan.next_attempt_at == T0 + 3600 + 600 and plan.attempts == 2
    contact = apply(contact, plan)
    assert not allowed(contact, T0 + 4199) and allowed(contact, T0 + 4200)
    plan = after_attempt(CAMPAIGN, contact, AttemptResult.NO_ANSWER, T0 + 4200)
    assert plan.status is ContactStatus.FAILED and plan.attempts == 3


def test_an_abandoned_call_waits_72_hours_and_then_needs_an_agent() -> None:
    plan = after_attempt(CAMPAIGN, Contact(1, PARIS), AttemptResult.ABANDONED, T0)
    assert plan.next_attempt_at == T0 + 72 * 3600 and plan.agent_required
    contact = apply(Contact(1, PARIS), plan)
    assert not allowed(contact, T0 + 72 * 3600)
    assert allowed(contact, T0 + 72 * 3600, agent_reserved=True)


def test_dispositions_come_from_the_script_outcome() -> None:
    contact = Contact(1, PARIS)
    assert after_attempt(CAMPAIGN, contact, AttemptResult.CONNECTED, T0, TABLE.resolve("sale")).status \
        is ContactStatus.DONE
    assert after_attempt(CAMPAIGN, contact, AttemptResult.CONNECTED, T0, TABLE.resolve(None)).status \
        is ContactStatus.DONE
    opt_out = after_attempt(CAMPAIGN, contact, AttemptResult.CONNECTED, T0, TABLE.resolve("do_not_call"))
    assert opt_out.status is ContactStatus.DO_NOT_CALL
    retry = after_attempt(CAMPAIGN, contact, AttemptResult.CONNECTED, T0, TABLE.resolve("retry"))
    assert retry.status is ContactStatus.PENDING and retry.next_attempt_at == T0 + 3600
    callback = after_attempt(CAMPAIGN, contact, AttemptResult.CONNECTED, T0, TABLE.resolve("call_back"),
                             callback_at=T0 + 7200)
    assert callback.status is ContactStatus.CALLBACK and callback.next_attempt_at == T0 + 7200
    custom = TABLE.resolve("upgraded_plan")
    assert custom.code == "upgraded_plan" and custom.final


def test_callbacks_fire_at_the_promised_time() -> None:
    book = CallbackBook()
    book.add(Callback(1, Contact(1, PARIS), due_at=T0 + 1800, agent="alice"))
    book.add(Callback(2, Contact(2, PARIS), due_at=T0 + 600))
    book.add(Callback(3, Contact(3, PARIS), due_at=T0 + 3600))
    assert book.next_due() == T0 + 600
    assert book.due(T0 + 599) == []
    assert [c.id for c in book.due(T0 + 600)] == [2]
    assert book.cancel(3) is not None
    assert [c.id for c in book.due(T0 + 99999)] == [1]
    assert len(book) == 0


def test_a_callback_is_promised_only_inside_the_window() -> None:
    contact = Contact(1, PARIS)
    check_promise(CAMPAIGN, contact, T0 + 3600, T0)
    late_evening = datetime(2026, 11, 23, 21, 30, tzinfo=timezone.utc).timestamp()   # 22:30 in Paris
    with pytest.raises(CallbackRejected, match="outside the calling window"):
        check_promise(CAMPAIGN, contact, late_evening, T0)
    with pytest.raises(CallbackRejected, match="future"):
        check_promise(CAMPAIGN, contact, T0 - 1, T0)
    # due, the callback bypasses the retry gap but not the window or consent
    waiting = Contact(1, PARIS, attempts=3, next_attempt_at=T0 + 99999)
    assert allowed(waiting, T0 + 3600, callback=True)
    assert evaluate(CAMPAIGN, waiting, datetime.fromtimestamp(T0, timezone.utc), consent=ConsentAnswer(True),
                    do_not_call=False).reason is BlockReason.MAX_ATTEMPTS
