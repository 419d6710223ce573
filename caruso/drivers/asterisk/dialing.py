"""Pure mappings between Caruso's telephony words and Asterisk's: dial strings, causes, device states."""

from __future__ import annotations

import re

from caruso.telephony.interface import HangupCause

_SIP_USER = re.compile(r"^sips?:([^@;>]+)(?:@[^;>]*)?")


def dial_string(target: str, *, trunk: str = "", max_extension_digits: int = 6) -> str:
    """Where to dial *target*.

    ``PJSIP/6001`` / ``Local/x@ctx`` (has a ``/``) as given; ``sip:6001@host`` and ``6001`` (an agent's
    extension: up to *max_extension_digits* characters) become ``PJSIP/6001``; a longer number goes out
    through the trunk endpoint: ``PJSIP/0612345678@trunk``.
    """
    target = target.strip()
    if not target or any(c in target for c in "\r\n,&"):
        raise ValueError(f"not a dial target: {target!r}")
    if "/" in target:
        return target
    match = _SIP_USER.match(target)
    if match:
        return f"PJSIP/{match.group(1)}"
    if len(target) > max_extension_digits and trunk:
        return f"PJSIP/{target}@{trunk}"
    return f"PJSIP/{target}"


def endpoint_of(device: str) -> str:
    """``PJSIP/6001`` -> ``6001``; other devices unchanged."""
    return device.split("/", 1)[1] if device.upper().startswith("PJSIP/") else device


# Q.850 cause codes in Hangup events (Cause:)
_Q850 = {16: HangupCause.NORMAL, 17: HangupCause.BUSY, 18: HangupCause.NO_ANSWER, 19: HangupCause.NO_ANSWER,
         21: HangupCause.REJECTED, 0: HangupCause.NORMAL}


def hangup_cause(code: int, *, caller_side: bool = True) -> HangupCause:
    cause = _Q850.get(code, HangupCause.FAILED)
    if cause is HangupCause.NORMAL and caller_side:
        return HangupCause.CALLER_HANGUP
    return cause


# OriginateResponse Reason: (AST_CONTROL_*): 0 failed, 1 hung up, 3 ring time-out, 4 answered, 5 busy, 8 congestion
_ORIGINATE = {0: HangupCause.FAILED, 1: HangupCause.REJECTED, 3: HangupCause.NO_ANSWER, 5: HangupCause.BUSY,
              8: HangupCause.FAILED}


def originate_cause(reason: int) -> HangupCause:
    return _ORIGINATE.get(reason, HangupCause.FAILED)


# DIALSTATUS after Dial()
_DIALSTATUS = {"BUSY": HangupCause.BUSY, "NOANSWER": HangupCause.NO_ANSWER, "CANCEL": HangupCause.CANCELLED,
               "CONGESTION": HangupCause.FAILED, "CHANUNAVAIL": HangupCause.FAILED,
               "DONTCALL": HangupCause.REJECTED, "TORTURE": HangupCause.REJECTED}


def dial_status_cause(status: str) -> HangupCause:
    return _DIALSTATUS.get(status.upper(), HangupCause.FAILED)


# device states: DeviceStateChange says NOT_INUSE, PJSIPShowEndpoints says "Not in use"
def device_state(text: str) -> str:
    """Normalise to ``NOT_INUSE``, ``INUSE``, ``BUSY``, ``RINGING``, ``RINGINUSE``, ``ONHOLD``,
    ``UNAVAILABLE``, ``INVALID`` or ``UNKNOWN``."""
    word = text.strip().upper().replace(" ", "_").replace("NOT_IN_USE", "NOT_INUSE").replace("IN_USE", "INUSE")
    return word if word in _STATES else "UNKNOWN"


_STATES = {"NOT_INUSE", "INUSE", "BUSY", "RINGING", "RINGINUSE", "ONHOLD", "UNAVAILABLE", "INVALID", "UNKNOWN"}


def phone_available(state: str) -> bool:
    """Whether a phone in *state* can be offered a call."""
    return state == "NOT_INUSE"
