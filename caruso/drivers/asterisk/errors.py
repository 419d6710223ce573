"""Errors of the Asterisk driver.

TelephonyError (caruso.telephony)
├── AmiError                     the manager interface
│   ├── AmiLoginFailed           wrong user/secret: reported, retried with back-off
│   ├── AmiNotConnected          an action was sent while the link is down
│   ├── AmiLinkLost              the link dropped before the action was answered (never replayed)
│   ├── AmiTimeout               no answer in time
│   └── AmiActionFailed          ``Response: Error`` (the message is Asterisk's)
└── CallError
    └── AgiError                 a FastAGI command failed
        ├── AgiInvalidCommand    510
        ├── AgiUsageError        520 (the usage text is kept)
        └── AgiTimeout           no reply in time
A dead channel (511, the unsolicited HANGUP line, EOF) is ``CallEnded`` from the telephony interface.
"""

from __future__ import annotations

from caruso.telephony.interface import CallError, TelephonyError


class AmiError(TelephonyError):
    pass


class AmiLoginFailed(AmiError):
    pass


class AmiNotConnected(AmiError):
    pass


class AmiLinkLost(AmiError):
    pass


class AmiTimeout(AmiError):
    pass


class AmiActionFailed(AmiError):
    def __init__(self, action: str, message: str) -> None:
        super().__init__(f"AMI {action} failed: {message}")
        self.action = action
        self.reason = message


class AgiError(CallError):
    def __init__(self, command: str, message: str, code: int = 0) -> None:
        super().__init__(f"AGI {command!r} failed ({code}): {message}" if code else f"AGI {command!r}: {message}")
        self.command = command
        self.code = code


class AgiInvalidCommand(AgiError):
    pass


class AgiUsageError(AgiError):
    pass


class AgiTimeout(AgiError):
    pass
