"""The pjsua2 endpoint of one worker: created, polled from the asyncio loop, destroyed safely.

Threading: ``threadCnt = 0`` and ``mainThreadOnly = True`` so that every callback runs inside
``libHandleEvents``, which only the loop's thread calls (the thread that created the library, hence
registered with pjlib).  Destruction first hangs up every call and drops every player and recorder:
a live Call or player at ``libDestroy()`` aborts the process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

import pjsua2 as pj

log = logging.getLogger(__name__)

POLL_BUSY = 0.02      # with calls up: DTMF and SIP events reach the loop within 20 ms
POLL_IDLE = 0.05      # without: an idle worker costs a fifth of the wake-ups
_PREFERRED_CODECS = ("PCMU/8000", "PCMA/8000")


@dataclass(frozen=True)
class EndpointSettings:
    host: str = "127.0.0.1"
    sip_port: int = 5070
    rtp_port: int = 20000
    rtp_port_range: int = 40
    max_calls: int = 4
    transports: tuple[str, ...] = ("udp", "tcp")
    log_level: int = 1


def create_endpoint(settings: EndpointSettings) -> pj.Endpoint:
    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0
    cfg.uaConfig.mainThreadOnly = True
    cfg.uaConfig.maxCalls = settings.max_calls
    cfg.uaConfig.userAgent = "Caruso media worker"
    cfg.medConfig.clockRate = 8000
    cfg.medConfig.sndClockRate = 8000
    cfg.medConfig.channelCount = 1
    cfg.medConfig.ecTailLen = 0
    cfg.medConfig.noVad = True
    cfg.logConfig.level = settings.log_level
    cfg.logConfig.consoleLevel = settings.log_level
    ep.libInit(cfg)
    kinds = {"udp": pj.PJSIP_TRANSPORT_UDP, "tcp": pj.PJSIP_TRANSPORT_TCP}
    for name in settings.transports:
        tcfg = pj.TransportConfig()
        tcfg.port = settings.sip_port
        tcfg.boundAddress = settings.host
        tcfg.publicAddress = settings.host
        ep.transportCreate(kinds[name], tcfg)
    ep.libStart()
    ep.audDevManager().setNullDev()
    for codec in ep.codecEnum2():
        priority = 0
        for rank, name in enumerate(_PREFERRED_CODECS):
            if codec.codecId.startswith(name + "/"):
                priority = 255 - rank
        ep.codecSetPriority(codec.codecId, priority)
    return ep


def media_transport(settings: EndpointSettings) -> pj.TransportConfig:
    tcfg = pj.TransportConfig()
    tcfg.port = settings.rtp_port
    tcfg.portRange = settings.rtp_port_range
    tcfg.boundAddress = settings.host
    tcfg.publicAddress = settings.host
    return tcfg


async def pump(ep: pj.Endpoint, busy: Callable[[], bool] = lambda: True) -> None:
    """Run pjsua2's events on this loop until cancelled."""
    while True:
        for _ in range(64):
            if ep.libHandleEvents(0) <= 0:
                break
        await asyncio.sleep(POLL_BUSY if busy() else POLL_IDLE)


def handle_events_for(ep: pj.Endpoint, rounds: int) -> None:
    for _ in range(rounds):
        ep.libHandleEvents(10)
