"""Calling windows in the customer's local time.

The customer's time zone comes from the customer record when it has one, else from the number (its
country, and region where the numbering plan tells one).  A number that maps to several zones must be
inside the window in every one of them (the most restrictive reading); a number whose zone is unknown
is never called.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as phone_tz

from caruso.dialer.model import CallingWindow

_UNKNOWN = "Etc/Unknown"


@lru_cache(maxsize=4096)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@lru_cache(maxsize=65536)
def zones_for_number(number: str) -> tuple[str, ...]:
    """Time zones a number may be in (empty: unknown)."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return ()
    names = tuple(z for z in phone_tz.time_zones_for_number(parsed) if z != _UNKNOWN)
    if not names:  # not a valid number: its longest known prefix, down to every zone of its country
        names = tuple(z for z in phone_tz.time_zones_for_geographical_number(parsed) if z != _UNKNOWN)
    return tuple(sorted(n for n in set(names) if _zone(n) is not None))


def customer_zones(number: str, record_timezone: str | None) -> tuple[str, ...]:
    """The record's zone wins; else the number's zones."""
    if record_timezone and _zone(record_timezone) is not None:
        return (record_timezone,)
    return zones_for_number(number)


def _open_in(windows: Sequence[CallingWindow], local: datetime) -> bool:
    day, clock = local.weekday(), local.time()
    return any(day in w.days and w.start <= clock < w.end for w in windows)


def is_open(windows: Sequence[CallingWindow], zones: Sequence[str], now: datetime) -> bool:
    """True when *now* (aware) is inside a window in every zone; never for no zone."""
    if not zones:
        return False
    return all(_open_in(windows, now.astimezone(_zone(z))) for z in zones)


def next_opening(windows: Sequence[CallingWindow], zones: Sequence[str], now: datetime,
                 horizon_days: int = 8) -> datetime | None:
    """The first instant at or after *now* when :func:`is_open` holds (None: not within the horizon).

    An intersection of intervals opens at one of their starts, so only window starts are candidates.
    """
    if not zones:
        return None
    if is_open(windows, zones, now):
        return now
    candidates: set[datetime] = set()
    for name in zones:
        tz = _zone(name)
        local_day = now.astimezone(tz).date()
        for offset in range(horizon_days + 1):
            day = local_day + timedelta(days=offset)
            for w in windows:
                if day.weekday() in w.days:
                    start = datetime.combine(day, w.start, tzinfo=tz).astimezone(timezone.utc)
                    if start > now:
                        candidates.add(start)
    for at in sorted(candidates):
        if is_open(windows, zones, at):
            return at
    return None
