"""A scripted pjsua2 softphone for the tests and the bench, run as its own process.

    python -m tests.sip.phone call sip:100@127.0.0.1:5060 --tone 440 --record heard.wav --dtmf 1@2 --hangup-after 8
    python -m tests.sip.phone agent --registrar 127.0.0.1:5060 --user alice --password pw --answer-after 1

It prints one JSON object per line on stdout: {"event": "registered", "code": 200}, {"event": "state",
"state": "CONFIRMED"}, {"event": "ended", "code": 200}, {"event": "incoming"}, {"event": "done"}.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
import wave
import array

import pjsua2 as pj


def say(event: str, **data: object) -> None:
    print(json.dumps({"event": event, **data}), flush=True)


def tone_file(freq: float) -> str:
    path = os.path.join(tempfile.gettempdir(), f"caruso-test-tone-{int(freq)}.wav")
    if not os.path.exists(path):
        rate = 8000
        samples = array.array("h", (int(12000 * math.sin(2 * math.pi * freq * i / rate)) for i in range(rate * 2)))
        tmp = path + f".{os.getpid()}"
        with wave.open(tmp, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(samples.tobytes())
        os.replace(tmp, path)
    return path


class Phone:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.ep = pj.Endpoint()
        self.ep.libCreate()
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = True
        cfg.uaConfig.maxCalls = 4
        cfg.medConfig.clockRate = 8000
        cfg.medConfig.sndClockRate = 8000
        cfg.medConfig.ecTailLen = 0
        cfg.logConfig.level = 0
        cfg.logConfig.consoleLevel = 0
        self.ep.libInit(cfg)
        tcfg = pj.TransportConfig()
        tcfg.port = args.port
        tcfg.boundAddress = "127.0.0.1"
        kind = pj.PJSIP_TRANSPORT_TCP if args.tcp else pj.PJSIP_TRANSPORT_UDP
        self.ep.transportCreate(kind, tcfg)
        self.ep.libStart()
        self.ep.audDevManager().setNullDev()
        for codec in self.ep.codecEnum2():
            self.ep.codecSetPriority(codec.codecId, 255 if codec.codecId.startswith("PCMU/8000") else 0)
        self.calls: list[PhoneCall] = []
        self.done = False
        self.handled = 0
        self.account = PhoneAccount(self)
        acfg = pj.AccountConfig()
        user = args.user or "caller"
        host = args.registrar or "127.0.0.1"
        acfg.idUri = f"sip:{user}@{host}"
        if args.registrar:
            acfg.regConfig.registrarUri = f"sip:{args.registrar}" + (";transport=tcp" if args.tcp else "")
            acfg.regConfig.retryIntervalSec = 0
            acfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", user, 0, args.password))
        self.account.create(acfg)

    def run(self) -> None:
        deadline = time.monotonic() + self.args.max_time
        if self.args.mode == "call":
            call = PhoneCall(self, self.account)
            self.calls.append(call)
            call.makeCall(self.args.uri, pj.CallOpParam(True))
        while not self.done and time.monotonic() < deadline:
            self.ep.libHandleEvents(10)
            for call in list(self.calls):
                call.tick()
        say("done", handled=self.handled)
        self.ep.hangupAllCalls()
        for _ in range(50):
            self.ep.libHandleEvents(10)
        for call in self.calls:
            call.release()
        self.calls.clear()
        for _ in range(5):
            self.ep.libHandleEvents(10)
        self.account.shutdown()
        del self.account
        self.ep.libDestroy()


class PhoneAccount(pj.Account):
    def __init__(self, phone: Phone) -> None:
        super().__init__()
        self.phone = phone

    def onRegState(self, prm: pj.OnRegStateParam) -> None:
        if prm.code == 200 and prm.expiration > 0:
            say("registered", code=prm.code)
        elif prm.code >= 300 or prm.status != 0:
            say("reg_failed", code=prm.code, reason=prm.reason)
            if self.phone.args.exit_on_reg_fail:
                self.phone.done = True

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:
        call = PhoneCall(self.phone, self, prm.callId)
        self.phone.calls.append(call)
        say("incoming", at=time.time())
        args = self.phone.args
        op = pj.CallOpParam()
        if args.respond:
            op.statusCode = args.respond
            call.answer(op)
            return
        op.statusCode = 180
        call.answer(op)
        if args.answer_after >= 0:
            call.answer_at = time.monotonic() + args.answer_after


class PhoneCall(pj.Call):
    def __init__(self, phone: Phone, account: pj.Account, call_id: int = pj.PJSUA_INVALID_ID) -> None:
        super().__init__(account, call_id)
        self.phone = phone
        self.answer_at: float | None = None
        self.confirmed_at: float | None = None
        self.dtmf_done: set[int] = set()
        self.player: pj.AudioMediaPlayer | None = None
        self.recorder: pj.AudioMediaRecorder | None = None
        self.ended = False

    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        info = self.getInfo()
        say("state", state=info.stateText, code=info.lastStatusCode)
        if info.state == pj.PJSIP_INV_STATE_CONFIRMED:
            self.confirmed_at = time.monotonic()
        if info.state == pj.PJSIP_INV_STATE_DISCONNECTED and not self.ended:
            self.ended = True
            self.release()
            say("ended", code=info.lastStatusCode, reason=info.lastReason)
            self.phone.handled += 1
            if self.phone.args.mode == "call" or self.phone.handled >= self.phone.args.calls:
                self.phone.done = True

    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        args = self.phone.args
        media = self.getAudioMedia(-1)
        if args.record and self.recorder is None:
            self.recorder = pj.AudioMediaRecorder()
            path = args.record if args.mode == "call" else args.record.replace(".wav", f"-{self.phone.handled}.wav")
            self.recorder.createRecorder(path)
            media.startTransmit(self.recorder)
        if args.tone and self.player is None:
            self.player = pj.AudioMediaPlayer()
            self.player.createPlayer(tone_file(args.tone), 0)
            self.player.startTransmit(media)
        say("media")

    def onDtmfDigit(self, prm: pj.OnDtmfDigitParam) -> None:
        say("dtmf", digit=prm.digit)

    def tick(self) -> None:
        now = time.monotonic()
        args = self.phone.args
        if self.ended:
            return
        if self.answer_at is not None and now >= self.answer_at:
            self.answer_at = None
            op = pj.CallOpParam()
            op.statusCode = 200
            self.answer(op)
        if self.confirmed_at is None:
            return
        for index, spec in enumerate(args.dtmf.split(",") if args.dtmf else []):
            digits, _, at = spec.partition("@")
            if index not in self.dtmf_done and now - self.confirmed_at >= float(at or 0):
                self.dtmf_done.add(index)
                send = pj.CallSendDtmfParam()
                send.digits = digits
                send.method = pj.PJSUA_DTMF_METHOD_SIP_INFO if args.dtmf_info else pj.PJSUA_DTMF_METHOD_RFC2833
                self.sendDtmf(send)
                say("dtmf_sent", digits=digits, at=time.time())
        if args.hangup_after and now - self.confirmed_at >= args.hangup_after:
            self.confirmed_at = None
            self.hangup(pj.CallOpParam())

    def release(self) -> None:
        self.player = None
        self.recorder = None


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["call", "agent"])
    p.add_argument("uri", nargs="?", default="")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--tcp", action="store_true")
    p.add_argument("--registrar", default="")
    p.add_argument("--user", default="")
    p.add_argument("--password", default="")
    p.add_argument("--tone", type=float, default=0.0)
    p.add_argument("--record", default="")
    p.add_argument("--dtmf", default="", help="DIGITS@SECONDS after answer, comma-separated for several")
    p.add_argument("--dtmf-info", action="store_true", help="send DTMF as SIP INFO")
    p.add_argument("--hangup-after", type=float, default=0.0)
    p.add_argument("--answer-after", type=float, default=0.5)
    p.add_argument("--respond", type=int, default=0, help="answer every call with this final status")
    p.add_argument("--calls", type=int, default=1, help="agent: exit after this many calls")
    p.add_argument("--exit-on-reg-fail", action="store_true")
    p.add_argument("--max-time", type=float, default=60.0)
    args = p.parse_args()
    Phone(args).run()


if __name__ == "__main__":
    sys.exit(main())
