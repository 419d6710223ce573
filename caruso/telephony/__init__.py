"""The telephony interface (Switch / Call).  Call flows, IVR, ACD and dialer use only this."""

from caruso.telephony.interface import (
    BridgeResult,
    Call,
    CallDirection,
    CallEnded,
    CallError,
    Collected,
    DialFailed,
    HangupCause,
    InboundHandler,
    Prompt,
    Recording,
    Switch,
    TelephonyError,
)

__all__ = [
    "BridgeResult", "Call", "CallDirection", "CallEnded", "CallError", "Collected", "DialFailed",
    "HangupCause", "InboundHandler", "Prompt", "Recording", "Switch", "TelephonyError",
]
