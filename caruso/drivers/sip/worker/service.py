"""The worker's state and operations: one instance per process, driven by IPC requests.

Operations (``op`` -> args -> result) are listed in ``OPS``; events are sent with ``emit``.  Calls are
kept in ``self.calls`` until pjsua2 reports them disconnected (a Call collected while live aborts).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import re
import time
from pathlib import Path
from collections.abc import Callable
from typing import Any

import pjsua2 as pj

from caruso.drivers.sip import audio
from caruso.drivers.sip.protocol import Event
from caruso.drivers.sip.worker.calls import WorkerAccount, WorkerCall
from caruso.drivers.sip.worker.endpoint import EndpointSettings, media_transport

log = logging.getLogger(__name__)

MEDIA_WAIT = 5.0
SILENCE_LEVEL = 3          # pjsua2 rx level (0..255) under which the caller counts as silent
_HEADER_RE = re.compile(r"^(From|To|X-Caruso-[\w-]+):\s*(.*)$", re.IGNORECASE | re.MULTILINE)


class OpError(Exception):
    """An operation failed; its message goes back in the reply."""


class WorkerService:
    def __init__(self, name: str, settings: EndpointSettings, proxy: str, emit: Callable[[Event], None]) -> None:
        self.name = name
        self.settings = settings
        self.emit = emit
        self.calls: dict[str, WorkerCall] = {}
        self.tasks: set[asyncio.Task[Any]] = set()
        self._seq = itertools.count(1)
        self.max_inbound = max(1, settings.max_calls // 2)
        self.account = WorkerAccount(self)
        cfg = pj.AccountConfig()
        cfg.idUri = f"sip:caruso-{name}@{settings.host}:{settings.sip_port}"
        cfg.mediaConfig.transportConfig = media_transport(settings)
        # no re-INVITE to "lock" one codec when the answer lists several: it costs a round trip per call
        # and peers that do not expect it (sipp, some trunks) drop the call
        cfg.mediaConfig.lockCodecEnabled = False
        if proxy:
            cfg.sipConfig.proxies.append(f"sip:{proxy};lr")
        self.account.create(cfg, True)

    # helpers ------------------------------------------------------------------------------------
    def _new_id(self, kind: str) -> str:
        return f"{self.name}-{kind}{next(self._seq)}"

    def _call(self, args: dict[str, Any], key: str = "call") -> WorkerCall:
        cid = args.get(key)
        call = self.calls.get(cid) if isinstance(cid, str) else None
        if call is None or call.disconnected:
            raise OpError(f"no live call {cid!r}")
        return call

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _media(self, call: WorkerCall) -> pj.AudioMedia:
        try:
            await asyncio.wait_for(call.media_ready.wait(), MEDIA_WAIT)
        except TimeoutError:
            raise OpError(f"call {call.cid} has no active audio") from None
        if call.disconnected:
            raise OpError(f"call {call.cid} ended")
        return call.audio()

    def live(self) -> list[WorkerCall]:
        """Calls not yet disconnected (a disconnected one stays in ``calls`` a moment, see on_call_state)."""
        return [c for c in self.calls.values() if not c.disconnected]

    def capacity(self) -> dict[str, int]:
        live = self.live()
        inbound = sum(1 for c in live if c.direction == "in")
        return {"calls": len(live), "inbound": inbound, "max_calls": self.settings.max_calls,
                "max_inbound": self.max_inbound}

    # pjsua2 callbacks ---------------------------------------------------------------------------
    def on_incoming(self, account: pj.Account, pj_id: int, message: str) -> None:
        cid = self._new_id("c")
        call = WorkerCall(self, account, cid, "in", pj_id)
        self.calls[cid] = call
        live = self.live()
        inbound = sum(1 for c in live if c.direction == "in")
        if inbound > self.max_inbound or len(live) > self.settings.max_calls:
            prm = pj.CallOpParam()
            prm.statusCode = 486
            call.answer(prm)
            return
        prm = pj.CallOpParam()
        prm.statusCode = 180
        call.answer(prm)
        info = call.getInfo()
        headers = {m.group(1).lower(): m.group(2).strip() for m in _HEADER_RE.finditer(message)}
        self.emit(Event("incoming", cid, {"from": info.remoteUri, "to": info.localUri,
                                          "uri": _request_uri(message), "headers": headers,
                                          "capacity": self.capacity()}))

    def on_call_state(self, call: WorkerCall, state: int, code: int, reason: str) -> None:
        if state == pj.PJSIP_INV_STATE_EARLY and code in (180, 183) and call.direction == "out":
            if not call.ringing_sent:
                call.ringing_sent = True
                self.emit(Event("state", call.cid, {"state": "ringing", "code": code}))
        elif state == pj.PJSIP_INV_STATE_CONFIRMED and not call.answered:
            call.answered = True
            self.emit(Event("state", call.cid, {"state": "answered", "code": code}))
        elif state == pj.PJSIP_INV_STATE_DISCONNECTED and not call.disconnected:
            call.disconnected = True
            self._release_media(call)
            self.emit(Event("state", call.cid, {"state": "ended", "code": code, "reason": reason,
                                                "answered": call.answered}))
            # Drop our reference outside the callback, once pjsua2 has finished with the call.
            asyncio.get_running_loop().call_later(0.5, self.calls.pop, call.cid, None)

    def on_media_active(self, call: WorkerCall) -> None:
        for peer_id in list(call.peers):
            peer = self.calls.get(peer_id)
            if peer is not None and peer.media_ready.is_set() and not peer.disconnected:
                _link(call.audio(), peer.audio())

    def on_transfer(self, call: WorkerCall, code: int, reason: str) -> None:
        self.emit(Event("transfer", call.cid, {"code": code, "reason": reason}))

    def on_dtmf(self, call: WorkerCall, digit: str, method: str) -> None:
        self.emit(Event("dtmf", call.cid, {"digit": digit, "method": method}))

    def _release_media(self, call: WorkerCall) -> None:
        for pid in list(call.players):
            self._stop_player(call, pid, "hangup")
        for rid in list(call.recorders):
            self._stop_recorder(call, rid, "hangup")
        for peer_id in call.peers:
            peer = self.calls.get(peer_id)
            if peer is not None:
                peer.peers.discard(call.cid)
        call.peers.clear()

    # operations ---------------------------------------------------------------------------------
    async def op_status(self, args: dict[str, Any]) -> dict[str, Any]:
        return self.capacity()

    async def op_answer(self, args: dict[str, Any]) -> None:
        call = self._call(args)
        prm = pj.CallOpParam()
        prm.statusCode = int(args.get("code", 200))
        call.answer(prm)

    async def op_hangup(self, args: dict[str, Any]) -> None:
        cid = args.get("call")
        call = self.calls.get(cid) if isinstance(cid, str) else None
        if call is None or call.disconnected:
            return
        prm = pj.CallOpParam()
        code = int(args.get("code", 0))
        if code:
            prm.statusCode = code
        call.hangup(prm)

    async def op_dial(self, args: dict[str, Any]) -> dict[str, Any]:
        if len(self.live()) >= self.settings.max_calls:
            raise OpError(f"worker {self.name} is full ({len(self.live())} calls)")
        cid = self._new_id("c")
        call = WorkerCall(self, self.account, cid, "out")
        prm = pj.CallOpParam(True)
        for name, value in (args.get("headers") or {}).items():
            header = pj.SipHeader()
            header.hName = name
            header.hValue = str(value)
            prm.txOption.headers.append(header)
        try:
            call.makeCall(str(args["uri"]), prm)
        except pj.Error as exc:
            raise OpError(f"cannot dial {args.get('uri')!r}: {exc.info()}") from None
        self.calls[cid] = call
        return {"call": cid}

    async def op_connect(self, args: dict[str, Any]) -> None:
        a, b = self._call(args, "a"), self._call(args, "b")
        a.peers.add(b.cid)
        b.peers.add(a.cid)
        _link(await self._media(a), await self._media(b))

    async def op_disconnect(self, args: dict[str, Any]) -> None:
        a, b = self.calls.get(args.get("a", "")), self.calls.get(args.get("b", ""))
        if a is None or b is None:
            return
        a.peers.discard(b.cid)
        b.peers.discard(a.cid)
        if not a.disconnected and not b.disconnected and a.media_ready.is_set() and b.media_ready.is_set():
            a.audio().stopTransmit(b.audio())
            b.audio().stopTransmit(a.audio())

    async def op_play(self, args: dict[str, Any]) -> dict[str, Any]:
        call = self._call(args)
        media = await self._media(call)
        path = str(args["file"])
        loop = bool(args.get("loop", False))
        player = pj.AudioMediaPlayer()
        try:
            player.createPlayer(path, 0 if loop else pj.PJMEDIA_FILE_NO_LOOP)
        except pj.Error as exc:
            raise OpError(f"cannot play {path}: {exc.info()}") from None
        pid = self._new_id("p")
        call.players[pid] = player
        player.startTransmit(media)
        length = audio.duration(args["file"]) if not loop else 0.0
        if not loop:
            self._spawn(self._finish_play(call, pid, length))
        return {"play": pid, "duration": length}

    async def _finish_play(self, call: WorkerCall, pid: str, length: float) -> None:
        await asyncio.sleep(length + 0.05)
        if pid in call.players:
            self._stop_player(call, pid, "done")

    def _stop_player(self, call: WorkerCall, pid: str, reason: str) -> None:
        player = call.players.pop(pid, None)
        if player is None:
            return
        if not call.disconnected and call.media_ready.is_set():
            try:
                player.stopTransmit(call.audio())
            except pj.Error:
                pass
        del player
        self.emit(Event("play_done", call.cid, {"play": pid, "reason": reason}))

    async def op_stop_play(self, args: dict[str, Any]) -> None:
        call = self.calls.get(args.get("call", ""))
        if call is not None:
            self._stop_player(call, str(args.get("play")), "stopped")

    async def op_record(self, args: dict[str, Any]) -> dict[str, Any]:
        call = self._call(args)
        media = await self._media(call)
        recorder = pj.AudioMediaRecorder()
        try:
            recorder.createRecorder(str(args["file"]))
        except pj.Error as exc:
            raise OpError(f"cannot record to {args['file']}: {exc.info()}") from None
        rid = self._new_id("r")
        call.recorders[rid] = (recorder, time.monotonic(), str(args["file"]))
        media.startTransmit(recorder)
        self._spawn(self._watch_recording(call, rid, float(args.get("max_seconds", 120.0)),
                                          float(args.get("silence_seconds", 0.0))))
        return {"rec": rid}

    async def _watch_recording(self, call: WorkerCall, rid: str, max_seconds: float, silence: float) -> None:
        started = time.monotonic()
        quiet_since = started
        while rid in call.recorders:
            await asyncio.sleep(0.1)
            if rid not in call.recorders or call.disconnected:
                return
            now = time.monotonic()
            if now - started >= max_seconds:
                self._stop_recorder(call, rid, "max_length")
                return
            if silence > 0:
                if call.audio().getRxLevel() > SILENCE_LEVEL:
                    quiet_since = now
                elif now - quiet_since >= silence:
                    self._stop_recorder(call, rid, "silence")
                    return

    def _stop_recorder(self, call: WorkerCall, rid: str, reason: str) -> float:
        entry = call.recorders.pop(rid, None)
        if entry is None:
            return 0.0
        recorder, started, path = entry
        if not call.disconnected and call.media_ready.is_set():
            try:
                call.audio().stopTransmit(recorder)
            except pj.Error:
                pass
        # pjsua2 (mainThreadOnly) destroys the recorder, and writes the WAV header, on the next
        # libHandleEvents: say "done" only once the file is whole.
        del recorder, entry
        length = time.monotonic() - started
        self._spawn(self._announce_recorded(call, rid, reason, length, path))
        return length

    async def _announce_recorded(self, call: WorkerCall, rid: str, reason: str, length: float, path: str) -> None:
        await wait_wav_closed(path)
        self.emit(Event("record_done", call.cid, {"rec": rid, "reason": reason, "duration": length}))

    async def op_stop_record(self, args: dict[str, Any]) -> dict[str, Any]:
        call = self.calls.get(args.get("call", ""))
        if call is None:
            return {"duration": 0.0}
        return {"duration": self._stop_recorder(call, str(args.get("rec")), str(args.get("reason", "stopped")))}

    async def op_send_dtmf(self, args: dict[str, Any]) -> None:
        call = self._call(args)
        await self._media(call)
        call.dialDtmf(str(args["digits"]))

    async def op_transfer(self, args: dict[str, Any]) -> None:
        call = self._call(args)
        prm = pj.CallOpParam(True)
        if args.get("replaces"):
            call.xferReplaces(self._call(args, "replaces"), prm)
        else:
            call.xfer(str(args["target"]), prm)

    def shutdown(self) -> None:
        for call in list(self.calls.values()):
            self._release_media(call)
        for task in self.tasks:
            task.cancel()


async def wait_wav_closed(path: str, timeout: float = 2.0) -> None:
    """Wait until the WAV writer has closed *path* (its RIFF size matches the file); repair it if not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(path, "rb") as fh:
                head = fh.read(8)
            size = os.path.getsize(path)
        except OSError:
            return
        if len(head) == 8 and head[:4] == b"RIFF" and int.from_bytes(head[4:], "little") + 8 == size:
            return
        await asyncio.sleep(0.01)
    with contextlib.suppress(OSError, ValueError):
        audio.repair_wav(Path(path))


def _link(a: pj.AudioMedia, b: pj.AudioMedia) -> None:
    a.startTransmit(b)
    b.startTransmit(a)


def _request_uri(message: str) -> str:
    first = message.split("\r\n", 1)[0].split(" ")
    return first[1] if len(first) >= 2 else ""


OPS = {name[3:]: name for name in dir(WorkerService) if name.startswith("op_")}
