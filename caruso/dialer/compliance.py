"""The compliance gate: may this number be dialed for this campaign, now?  Pure: every answer it needs
(consent, do-not-call) is looked up by the caller at dial time and handed in, so a withdrawal recorded a
second ago stops the call.  The verdict says why, with the facts it used.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from caruso.dialer.model import CampaignSpec, Contact
from caruso.dialer.windows import customer_zones, is_open, next_opening


class BlockReason(str, enum.Enum):
    CONSENT_WITHDRAWN = "consent_withdrawn"
    CONSENT_MISSING = "consent_missing"          # the purpose needs an opt-in and there is none
    DO_NOT_CALL = "do_not_call"
    OUTSIDE_WINDOW = "outside_window"
    TIMEZONE_UNKNOWN = "timezone_unknown"
    MAX_ATTEMPTS = "max_attempts"
    TOO_SOON = "too_soon"                        # the retry gap has not elapsed
    AGENT_REQUIRED = "agent_required"            # after an abandoned call: only with an agent reserved


@dataclass(frozen=True, slots=True)
class ConsentAnswer:
    """The storage's answer to "may we contact them on this channel for this purpose, now?"."""

    allowed: bool
    status: str = ""        # opt_in | opt_out | none | ...
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    reason: BlockReason | None = None
    detail: str = ""
    zones: tuple[str, ...] = ()
    retry_at: datetime | None = None   # when dialing could become lawful again (window, retry gap)

    def as_dict(self) -> dict[str, object]:
        return {"allowed": self.allowed, "reason": self.reason.value if self.reason else None,
                "detail": self.detail, "zones": list(self.zones),
                "retry_at": self.retry_at.isoformat() if self.retry_at else None}


def evaluate(campaign: CampaignSpec, contact: Contact, now: datetime, *, consent: ConsentAnswer,
             do_not_call: bool, agent_reserved: bool = False, callback: bool = False) -> Verdict:
    """Decide, in order: do-not-call, consent, attempts and gap, agent requirement, calling window.

    A promised callback is due at its time whatever the attempts and gap (the customer asked for it);
    consent, the do-not-call list and the calling window still hold.
    """
    if do_not_call:
        return Verdict(False, BlockReason.DO_NOT_CALL, "the number is on a do-not-call list")
    if not consent.allowed:
        reason = BlockReason.CONSENT_WITHDRAWN if consent.status == "opt_out" else BlockReason.CONSENT_MISSING
        return Verdict(False, reason, consent.reason or f"no {campaign.purpose.value} consent for the phone")
    if not callback and contact.attempts >= campaign.retry.max_attempts:
        return Verdict(False, BlockReason.MAX_ATTEMPTS, f"{contact.attempts} attempts made")
    stamp = now.timestamp()
    if not callback and contact.next_attempt_at is not None and contact.next_attempt_at > stamp:
        retry_at = datetime.fromtimestamp(contact.next_attempt_at, now.tzinfo)
        return Verdict(False, BlockReason.TOO_SOON, f"next attempt not before {retry_at.isoformat()}",
                       retry_at=retry_at)
    if contact.agent_required and not agent_reserved:
        return Verdict(False, BlockReason.AGENT_REQUIRED, "previous call was abandoned: dial with an agent reserved")
    zones = customer_zones(contact.number, contact.timezone)
    if not zones:
        return Verdict(False, BlockReason.TIMEZONE_UNKNOWN, "no time zone known for the number or the customer")
    if not is_open(campaign.windows, zones, now):
        opening = next_opening(campaign.windows, zones, now)
        local = ", ".join(f"{z} {now.astimezone(ZoneInfo(z)).strftime('%a %H:%M')}" for z in zones[:3])
        more = f" and {len(zones) - 3} more zones" if len(zones) > 3 else ""
        return Verdict(False, BlockReason.OUTSIDE_WINDOW, f"outside the calling window: {local}{more}",
                       zones=zones, retry_at=opening)
    return Verdict(True, zones=zones)

