"""The port through which the ACD service drives the telephony side.

The call-flow layer (caruso/callflow) implements ``AgentLine`` over the ``Switch``/``Call`` interface;
tests use a test double.  The ACD never touches a call itself: it asks the line to ring an agent for a
waiting call, to send a caller elsewhere, or to tell a caller their place.  The line reports back by its
return value (ring) and by calling the service (``call_ended``, ``abandon``, ``request_callback``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from caruso.acd.model import OverflowTarget


class RingResult(str, enum.Enum):
    ANSWERED = "answered"      # the agent picked up; caller and agent are bridged, the talk goes on
    NO_ANSWER = "no_answer"    # rang until the ring time-out
    REJECTED = "rejected"      # declined / busy
    FAILED = "failed"          # unreachable, not registered, network error


@dataclass(frozen=True, slots=True)
class RingRequest:
    call_id: str
    queue: str
    agent_id: str
    phone: str                 # SIP URI, registered softphone, or a plain number
    ring_timeout: float
    callback_number: str = ""  # set for a callback: ring the agent first, then dial the customer here


@runtime_checkable
class AgentLine(Protocol):
    async def ring(self, request: RingRequest) -> RingResult:
        """Ring the agent for the call and bridge them on answer; return as soon as the outcome is known.
        Cancelling the awaiting task means: stop ringing (someone else answered, or the caller left)."""
        ...

    async def leave_queue(self, call_id: str, queue: str, target: OverflowTarget, reason: str) -> None:
        """Take the caller out of queueing to ``target`` (voicemail, a number, a hang-up message).

        For a CALLBACK target the call keeps its place in the ACD: collect the number, tell the service
        (``request_callback``), then hang up — that hang-up is not an abandon.  Later a ``ring`` arrives
        with ``callback_number`` set."""
        ...

    async def announce(self, call_id: str, position: int, ewt: float) -> None:
        """Tell a waiting caller their position (1 = next) and estimated wait in seconds."""
        ...
