"""The compliance gate: consent, do-not-call, attempts and gaps, calling windows in the customer's time."""

from __future__ import annotations

from datetime import datetime, time, timezone

import pytest

from caruso.dialer.compliance import BlockReason, ConsentAnswer, evaluate
from caruso.dialer.errors import CampaignConfigError
from caruso.dialer.model import CallingWindow, CampaignSpec, Contact, DialMode, PacingSettings, Purpose

PARIS = "+33142685300"
NEW_YORK = "+12125550123"
YES = ConsentAnswer(True, "opt_in")
CAMPAIGN = CampaignSpec("renewals", purpose=Purpose.MARKETING,
                        windows=(CallingWindow(time(9), time(20), frozenset(range(5))),))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


MONDAY_NOON_PARIS = utc(2026, 11, 23, 11, 0)      # 12:00 in Paris, 06:00 in New York


def check(contact: Contact, at: datetime = MONDAY_NOON_PARIS, **kw: object):  # noqa: ANN201
    kw.setdefault("consent", YES)
    kw.setdefault("do_not_call", False)
    return evaluate(CAMPAIGN, contact, at, **kw)  # type: ignore[arg-type]


def test_a_consenting_number_inside_its_window_may_be_dialed() -> None:
    verdict = check(Contact(1, PARIS))
    assert verdict.allowed and verdict.zones == ("Europe/Paris",)


def test_withdrawn_consent_blocks_and_says_so() -> None:
    verdict = check(Contact(1, PARIS), consent=ConsentAnswer(False, "opt_out", "opted out by phone"))
    assert not verdict.allowed
    assert verdict.reason is BlockReason.CONSENT_WITHDRAWN and verdict.detail == "opted out by phone"


def test_missing_opt_in_blocks() -> None:
    verdict = check(Contact(1, PARIS), consent=ConsentAnswer(False, "none"))
    assert verdict.reason is BlockReason.CONSENT_MISSING


def test_do_not_call_wins_over_an_opt_in() -> None:
    assert check(Contact(1, PARIS), do_not_call=True).reason is BlockReason.DO_NOT_CALL


def test_a_number_in_another_time_zone_waits_for_its_own_morning() -> None:
    verdict = check(Contact(2, NEW_YORK))         # 06:00 in New York
    assert verdict.reason is BlockReason.OUTSIDE_WINDOW
    assert verdict.zones == ("America/New_York",)
    assert verdict.retry_at == utc(2026, 11, 23, 14, 0)   # 09:00 New York time
    assert check(Contact(2, NEW_YORK), at=utc(2026, 11, 23, 14, 0)).allowed
    # 19:59 in New York is in, 20:00 is out (the end is exclusive)
    assert check(Contact(2, NEW_YORK), at=utc(2026, 11, 24, 0, 59)).allowed
    assert not check(Contact(2, NEW_YORK), at=utc(2026, 11, 24, 1, 0)).allowed


def test_the_customer_record_time_zone_wins_over_the_number() -> None:
    # a French mobile whose owner lives in Tokyo (record says so): 12:00 Paris is 20:00 Tokyo
    verdict = check(Contact(3, "+33612345678", timezone="Asia/Tokyo"))
    assert verdict.reason is BlockReason.OUTSIDE_WINDOW and verdict.zones == ("Asia/Tokyo",)


def test_weekend_is_outside_the_window() -> None:
    saturday = utc(2026, 11, 28, 11, 0)
    verdict = check(Contact(1, PARIS), at=saturday)
    assert verdict.reason is BlockReason.OUTSIDE_WINDOW
    assert verdict.retry_at == utc(2026, 11, 30, 8, 0)   # Monday 09:00 in Paris


def test_summer_time_moves_the_window_in_utc() -> None:
    july_0730_utc = utc(2026, 7, 6, 7, 30)          # 09:30 in Paris (UTC+2)
    january_0730_utc = utc(2026, 1, 5, 7, 30)       # 08:30 in Paris (UTC+1)
    assert check(Contact(1, PARIS), at=july_0730_utc).allowed
    assert not check(Contact(1, PARIS), at=january_0730_utc).allowed


def test_a_number_spanning_many_zones_must_be_inside_every_one() -> None:
    # a North American toll-free number could be anywhere from Guam to Newfoundland
    toll_free = Contact(4, "+18005550199")
    at = utc(2026, 11, 23, 17, 0)                   # 12:00 New York, but 07:00 Honolulu, 03:00 Guam
    verdict = check(toll_free, at=at)
    assert verdict.reason is BlockReason.OUTSIDE_WINDOW and len(verdict.zones) > 10
    assert verdict.retry_at is not None
    assert check(toll_free, at=verdict.retry_at).allowed


def test_an_unknown_time_zone_is_never_called() -> None:
    verdict = check(Contact(5, "+999123456"))
    assert verdict.reason is BlockReason.TIMEZONE_UNKNOWN


def test_attempts_gaps_and_the_agent_requirement() -> None:
    now = MONDAY_NOON_PARIS.timestamp()
    assert check(Contact(1, PARIS, attempts=3)).reason is BlockReason.MAX_ATTEMPTS
    too_soon = check(Contact(1, PARIS, attempts=1, next_attempt_at=now + 60))
    assert too_soon.reason is BlockReason.TOO_SOON and too_soon.retry_at is not None
    after_abandon = Contact(1, PARIS, attempts=1, agent_required=True)
    assert check(after_abandon).reason is BlockReason.AGENT_REQUIRED
    assert check(after_abandon, agent_reserved=True).allowed
    # a promised callback is due whatever the gap, but never against consent or the window
    assert check(Contact(1, PARIS, attempts=3, next_attempt_at=now + 60), callback=True).allowed
    assert not check(Contact(1, PARIS), callback=True, consent=ConsentAnswer(False, "opt_out")).allowed


@pytest.mark.parametrize("kwargs, setting", [
    ({"ring_timeout": 14.9}, "ring_timeout"),
    ({"abandon_grace": 2.5}, "abandon_grace"),
    ({"pacing": None}, "abandon_cap"),
    ({"mode": DialMode.PREDICTIVE}, "identification_message"),
    ({"windows": ()}, "calling_windows"),
])
def test_unlawful_settings_are_refused(kwargs: dict[str, object], setting: str) -> None:
    if "pacing" in kwargs:
        with pytest.raises(CampaignConfigError) as info:
            PacingSettings(abandon_cap=0.031)
    else:
        with pytest.raises(CampaignConfigError) as info:
            CampaignSpec("c1", **kwargs)  # type: ignore[arg-type]
    assert info.value.setting == setting


def test_a_lower_cap_is_allowed_and_the_target_must_sit_under_it() -> None:
    assert PacingSettings(abandon_cap=0.01, target_abandon=0.005).abandon_cap == 0.01
    with pytest.raises(CampaignConfigError):
        PacingSettings(abandon_cap=0.01, target_abandon=0.015)
