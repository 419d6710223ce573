"""One small telephony interface, implemented by the ``sip`` (embedded, pjsua2) and ``asterisk`` drivers.

A driver is a component registered as the ``telephony`` service.  For each inbound call it hands a
``Call`` to the handler set with ``Switch.set_inbound_handler`` (the call-flow router).  Every method
that waits takes a time-out; a call that ends while a method waits raises ``CallEnded`` in the flow.
Drivers publish the telephony events (ringing, answered, DTMF, hang-up with cause) on the event bus.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from caruso.errors import CarusoError


class TelephonyError(CarusoError):
    """Base of telephony errors raised into call flows."""


class CallError(TelephonyError):
    """A command on a call failed (the driver's message is kept)."""


class HangupCause(str, enum.Enum):
    NORMAL = "normal"            # a party hung up after answer
    CALLER_HANGUP = "caller_hangup"
    BUSY = "busy"
    NO_ANSWER = "no_answer"      # rang until the ring time-out
    REJECTED = "rejected"        # declined (e.g. 603, 486 from a device that was not busy)
    FAILED = "failed"            # network/driver failure, unreachable, worker died
    CANCELLED = "cancelled"      # we gave up before answer


class CallEnded(TelephonyError):
    """The call ended while the flow was using it."""

    def __init__(self, cause: HangupCause = HangupCause.NORMAL, message: str = "") -> None:
        super().__init__(message or f"call ended ({cause.value})")
        self.cause = cause


class DialFailed(TelephonyError):
    """An outbound leg (originate, bridge to an agent) was not answered."""

    def __init__(self, cause: HangupCause, message: str = "") -> None:
        super().__init__(message or f"dial failed ({cause.value})")
        self.cause = cause


class CallDirection(str, enum.Enum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


@dataclass(frozen=True, slots=True)
class Prompt:
    """Something to play: an audio file, or text a TTS renders (file wins when both are given)."""

    file: Path | None = None
    text: str | None = None
    language: str = "en"

    def __post_init__(self) -> None:
        if self.file is None and not self.text:
            raise ValueError("a prompt needs a file or a text")


@dataclass(frozen=True, slots=True)
class Collected:
    digits: str
    terminated_by: str | None = None   # the terminator key, if one ended collection
    timed_out: bool = False


@dataclass(frozen=True, slots=True)
class Recording:
    path: Path
    duration: float
    ended_by: str                     # "silence" | "max_length" | "dtmf" | "hangup"


@dataclass(frozen=True, slots=True)
class BridgeResult:
    """How a bridge ended: who hung up first, talk time."""

    answered_at: float
    ended_at: float
    hung_up_by: str                   # "caller" | "callee" | "system"


class Call(abc.ABC):
    id: str
    caller: str                       # the calling number/URI as received
    called: str                       # the number/route dialled
    direction: CallDirection
    variables: dict[str, str]

    @property
    @abc.abstractmethod
    def ended(self) -> bool: ...

    @abc.abstractmethod
    async def answer(self) -> None: ...

    @abc.abstractmethod
    async def play(self, prompts: Prompt | Sequence[Prompt], *, interrupt_digits: str = "") -> str | None:
        """Play; returns the digit that interrupted playback, if any."""

    @abc.abstractmethod
    async def collect(self, prompts: Prompt | Sequence[Prompt] | None = None, *, max_digits: int = 1,
                      terminator: str = "#", first_timeout: float = 5.0, inter_digit_timeout: float = 3.0,
                      total_timeout: float = 30.0) -> Collected:
        """Play *prompts* (interruptible by a digit) and collect DTMF."""

    @abc.abstractmethod
    async def record(self, path: Path, *, max_seconds: float = 120.0, silence_seconds: float = 5.0,
                     beep: bool = True, terminator: str = "#") -> Recording:
        """Record the caller to *path* (WAV).  What was recorded is kept even if the caller hangs up."""

    @abc.abstractmethod
    async def bridge(self, target: str, *, ring_timeout: float = 20.0, caller_id: str | None = None,
                     on_ringing: Callable[[], None] | None = None,
                     on_answered: Callable[[], None] | None = None) -> BridgeResult:
        """Dial *target* and, on answer, connect it with this call until one side hangs up.

        *on_ringing* is called when the target rings, *on_answered* when it answers (before the talk,
        so that the ACD can mark the agent busy while the bridge goes on).

        Raises DialFailed (busy, no answer, rejected, failed) if the target does not answer.
        """

    @abc.abstractmethod
    async def transfer(self, target: str, *, attended: bool = False) -> None: ...

    @abc.abstractmethod
    async def hold(self, music: Path | None = None) -> None: ...

    @abc.abstractmethod
    async def unhold(self) -> None: ...

    @abc.abstractmethod
    async def hangup(self, cause: HangupCause = HangupCause.NORMAL) -> None: ...

    @abc.abstractmethod
    async def wait_ended(self) -> HangupCause:
        """Wait until the call ends and return why."""


InboundHandler = Callable[[Call], Awaitable[None]]


@dataclass
class OriginateRequest:
    target: str
    caller_id: str | None = None
    ring_timeout: float = 30.0
    variables: dict[str, str] = field(default_factory=dict)


class Switch(abc.ABC):
    """A telephony driver.  Registered as the ``telephony`` service."""

    name: str

    @abc.abstractmethod
    def set_inbound_handler(self, handler: InboundHandler) -> None:
        """Every inbound call is handed to *handler* in its own tracked task."""

    @abc.abstractmethod
    async def originate(self, target: str, *, caller_id: str | None = None, ring_timeout: float = 30.0,
                        variables: dict[str, str] | None = None) -> Call:
        """Place an outbound call; returns the answered Call or raises DialFailed with the cause."""
