"""pjsua2 Call and Account subclasses that turn callbacks into plain notifications for the worker.

Callbacks run on the loop thread (see endpoint.py).  An exception escaping a pjsua2 callback is
printed and swallowed by SWIG, so each callback catches and logs its own errors.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import pjsua2 as pj

if TYPE_CHECKING:
    from caruso.drivers.sip.worker.service import WorkerService

log = logging.getLogger(__name__)


class WorkerCall(pj.Call):
    def __init__(self, service: WorkerService, account: pj.Account, call_id: str, direction: str,
                 pj_id: int = pj.PJSUA_INVALID_ID) -> None:
        super().__init__(account, pj_id)
        self.service = service
        self.cid = call_id
        self.direction = direction
        self.media_ready = asyncio.Event()
        self.disconnected = False
        self.answered = False
        self.ringing_sent = False
        self.peers: set[str] = set()
        self.players: dict[str, Any] = {}
        self.recorders: dict[str, Any] = {}

    def audio(self) -> pj.AudioMedia:
        return self.getAudioMedia(-1)

    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        try:
            info = self.getInfo()
            self.service.on_call_state(self, info.state, info.lastStatusCode, info.lastReason)
        except Exception:
            log.exception("call %s: state callback failed", self.cid)

    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        try:
            info = self.getInfo()
            active = any(m.type == pj.PJMEDIA_TYPE_AUDIO and m.status == pj.PJSUA_CALL_MEDIA_ACTIVE
                         for m in info.media)
            if active:
                self.media_ready.set()
                self.service.on_media_active(self)
        except Exception:
            log.exception("call %s: media callback failed", self.cid)

    def onCallTransferStatus(self, prm: pj.OnCallTransferStatusParam) -> None:
        try:
            if prm.statusCode >= 200 or prm.finalNotify:
                self.service.on_transfer(self, prm.statusCode, prm.reason)
        except Exception:
            log.exception("call %s: transfer callback failed", self.cid)

    def onDtmfDigit(self, prm: pj.OnDtmfDigitParam) -> None:
        try:
            method = "info" if prm.method == pj.PJSUA_DTMF_METHOD_SIP_INFO else "rfc4733"
            self.service.on_dtmf(self, prm.digit, method)
        except Exception:
            log.exception("call %s: DTMF callback failed", self.cid)


class WorkerAccount(pj.Account):
    def __init__(self, service: WorkerService) -> None:
        super().__init__()
        self.service = service

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:
        try:
            self.service.on_incoming(self, prm.callId, prm.rdata.wholeMsg)
        except Exception:
            log.exception("incoming call callback failed")
