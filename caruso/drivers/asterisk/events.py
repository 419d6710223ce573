"""Events the Asterisk driver publishes beside the shared telephony ones (``caruso.telephony.events``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from caruso.events.base import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceStateChanged(Event):
    """A phone's state as Asterisk sees it (``PJSIP/6001`` NOT_INUSE / INUSE / RINGING / UNAVAILABLE ...)."""

    kind: ClassVar[str] = "device.state"
    device: str
    endpoint: str
    state: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SwitchLinkChanged(Event):
    """The AMI link went up or down (``state``: up, down, login_failed)."""

    kind: ClassVar[str] = "telephony.link"
    driver: str
    state: str
    reason: str = ""
