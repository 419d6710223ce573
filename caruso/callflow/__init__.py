"""Call flows written once against the telephony interface: inbound number → IVR script → ACD queue (music,
position/EWT announcements) → agent's phone; ring-no-answer back to the queue; abandon; overflow
(voicemail, another queue); outbound originate.  Every call leaves a call record and bus events."""

from caruso.callflow.service import CallFlowService

__all__ = ["CallFlowService"]
