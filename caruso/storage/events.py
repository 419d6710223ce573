"""Events the storage manager publishes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from caruso.events.base import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsentChanged(Event):
    """A consent was given, withdrawn or confirmed.  The dialer drops queued numbers on an opt-out."""

    kind: ClassVar[str] = "storage.consent_changed"
    customer_object: str | None
    customer_key: str | None
    address: str | None
    channel: str
    purpose: str
    status: str  # opt_in | opt_out | pending


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactRecorded(Event):
    """An interaction was appended to a customer's contact history."""

    kind: ClassVar[str] = "storage.contact_recorded"
    history_id: int
    customer_object: str | None
    customer_key: str | None
    contact_kind: str
    channel: str
