"""Automatic call distribution: a pure core (``AcdCore``), an async service, and a simulator."""

from caruso.acd.core import AcdCore
from caruso.acd.decisions import (AgentStateChanged, Announce, CallAbandoned, CallAnswered, CallbackRequested,
                                  CallEnded, CallQueued, CallRingFailed, CancelRing, Decision, Notice, Output,
                                  Overflow, Reserve)
from caruso.acd.errors import AcdConfigError, AcdError, InvalidTransition, UnknownAgent, UnknownCall, UnknownQueue
from caruso.acd.model import (AgentConfig, AgentState, CallOffer, EmptyRule, Membership, OverflowKind,
                              OverflowTarget, QueueConfig, Relaxation, RingOutcome, SkillRequirement, Strategy)

__all__ = [
    "AcdConfigError", "AcdCore", "AcdError", "AgentConfig", "AgentState", "AgentStateChanged", "Announce",
    "CallAbandoned", "CallAnswered", "CallEnded", "CallOffer", "CallQueued", "CallRingFailed", "CallbackRequested",
    "CancelRing", "Decision", "EmptyRule", "InvalidTransition", "Membership", "Notice", "Output", "Overflow",
    "OverflowKind", "OverflowTarget", "QueueConfig", "Relaxation", "Reserve", "RingOutcome", "SkillRequirement",
    "Strategy", "UnknownAgent", "UnknownCall", "UnknownQueue",
]
