"""Bookkeeping of the driver's view of Asterisk: calls by channel id, outbound calls being placed, phones.

Pure (no I/O): the switch feeds it AMI messages and resync listings; it says which call an event belongs
to, which originate an OriginateResponse answers, and what to do after a reconnect.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from caruso.drivers.asterisk.ami_protocol import AmiMessage
from caruso.drivers.asterisk.dialing import device_state, endpoint_of

_UID_KEYS = ("Uniqueid", "DestUniqueid", "Linkedid", "DestLinkedid", "LocalOneUniqueid")


@dataclass
class PendingOriginate:
    target: str
    channel_id: str
    action_id: str
    outcome: asyncio.Future[Any]
    uncertain: bool = False          # the link dropped before Asterisk said how it went


@dataclass
class Reconciliation:
    reattached: list[str] = field(default_factory=list)       # call ids still up in Asterisk
    gone: list[str] = field(default_factory=list)             # call ids Asterisk no longer has
    originates_lost: list[str] = field(default_factory=list)  # channel ids of originates that never happened
    originates_alive: list[str] = field(default_factory=list)


class Tracker:
    def __init__(self) -> None:
        self.calls: dict[str, Any] = {}                     # channel uniqueid -> AsteriskCall
        self.originating: dict[str, PendingOriginate] = {}  # ActionID -> pending
        self.by_channel: dict[str, PendingOriginate] = {}   # ChannelId -> pending
        self.devices: dict[str, str] = {}                   # "PJSIP/6001" -> NOT_INUSE ...
        self.bridges: set[str] = set()

    # ---- calls -------------------------------------------------------------------------------------
    def call_for(self, message: AmiMessage) -> Any | None:
        for key in _UID_KEYS:
            value = message.get(key)
            if value and value in self.calls:
                return self.calls[value]
        return None

    # ---- originates ----------------------------------------------------------------------------------
    def add_originate(self, pending: PendingOriginate) -> None:
        self.originating[pending.action_id] = pending
        self.by_channel[pending.channel_id] = pending

    def drop_originate(self, pending: PendingOriginate) -> None:
        self.originating.pop(pending.action_id, None)
        self.by_channel.pop(pending.channel_id, None)

    def originate_for(self, message: AmiMessage) -> PendingOriginate | None:
        return self.originating.get(message.action_id) or self.by_channel.get(message.get("Uniqueid"))

    def link_lost(self) -> None:
        for pending in self.originating.values():
            pending.uncertain = True

    # ---- phones ----------------------------------------------------------------------------------------
    def device_changed(self, device: str, state_text: str) -> tuple[str, str] | None:
        """Returns ``(device, state)`` when the state really changed."""
        state = device_state(state_text)
        if not device or self.devices.get(device) == state:
            return None
        self.devices[device] = state
        return device, state

    def phone_state(self, endpoint: str) -> str:
        return self.devices.get(f"PJSIP/{endpoint_of(endpoint)}", "UNKNOWN")

    # ---- after a reconnect -------------------------------------------------------------------------------
    def reconcile(self, channels: Iterable[AmiMessage], bridges: Iterable[AmiMessage]) -> Reconciliation:
        live = {m.get("Uniqueid") for m in channels}
        self.bridges = {m.get("BridgeUniqueid") for m in bridges}
        plan = Reconciliation()
        for call_id, call in self.calls.items():
            if call.ended:
                continue
            (plan.reattached if call_id in live else plan.gone).append(call_id)
        for channel_id, pending in self.by_channel.items():
            if not pending.uncertain or pending.outcome.done():
                continue
            (plan.originates_alive if channel_id in live else plan.originates_lost).append(channel_id)
        return plan
