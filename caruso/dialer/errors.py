"""The dialer's errors (all CarusoError).

DialerError
├── CampaignConfigError     a campaign setting is missing or unlawful (names the setting)
├── CampaignNotFound        no campaign by that name
├── CampaignStateError      start/pause/stop not allowed from the campaign's status
└── CallbackRejected        a callback cannot be promised (outside the calling window, in the past)
"""

from __future__ import annotations

from caruso.errors import CarusoError


class DialerError(CarusoError):
    """Base of the dialer's errors."""


class CampaignConfigError(DialerError, ValueError):
    def __init__(self, message: str, *, setting: str | None = None) -> None:
        super().__init__(f"{setting}: {message}" if setting else message)
        self.setting = setting


class CampaignNotFound(DialerError, LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no campaign named {name!r}")
        self.name = name


class CampaignStateError(DialerError):
    pass


class CallbackRejected(DialerError):
    pass
