"""End-to-end call-flow fixtures: the whole server side (storage, TTS, voicemail, mailer, SIP switch, flows)
built from real components, a real SMTP server, and pjsua2 phones in their own processes."""

from __future__ import annotations

import asyncio
import contextlib
import random
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import pytest

from caruso import keys
from caruso.callflow import CallFlowService
from caruso.acd.events import CallAbandoned, CallbackRequested, CallRingFailed
from caruso.callflow.events import CallFinished
from caruso.callflow.service import CallFlowSettings
from caruso.core.descriptors import ServiceContext
from caruso.core.manager import ServiceManager
from caruso.core.settings import build
from caruso.config import Config
from caruso.drivers.sip.switch import SipSwitch
from caruso.events.bus import EventBus
from caruso.mail.service import MailerService
from caruso.storage.service import StorageManager
from caruso.tts import TtsService
from caruso.voicemail import VoicemailService
from caruso.voicemail.service import VoicemailLeft, VoicemailSettings
from tests.sip.support import free_block

SCRIPTS = Path(__file__).parent / "scripts"


class MailSink:
    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 OK"


@pytest.fixture
async def smtp() -> AsyncIterator[MailSink]:
    from aiosmtpd.smtp import SMTP

    sink = MailSink()
    server = await asyncio.get_running_loop().create_server(lambda: SMTP(sink, hostname="localhost"), "127.0.0.1", 0)
    sink.port = server.sockets[0].getsockname()[1]
    try:
        yield sink
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
def e2e_tools() -> None:
    try:
        import pjsua2  # noqa: F401
    except ImportError:
        pytest.fail("pjsua2 is not installed: pip install pjsua2-python (a project dependency)")
    for tool, package in (("kamailio", "kamailio"), ("espeak-ng", "espeak-ng"), ("sox", "sox")):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            pytest.fail(f"{tool} is not installed: apt-get install {package} (tools/setup.sh)")


@dataclass
class Site:
    services: ServiceManager
    config: Config
    flows: CallFlowService
    voicemail: VoicemailService
    storage: StorageManager
    events: list[Any]

    def finished(self) -> list[Any]:
        return [e for e in self.events if isinstance(e, CallFinished)]

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    @property
    def address(self) -> str:
        return f"{self.config.sip.host}:{self.config.sip.port}"

    def uri(self, user: str) -> str:
        return f"sip:{user}@{self.address}"


@contextlib.asynccontextmanager
async def running_site(tmp_path: Path, smtp_port: int, *, queue: dict[str, Any], agents: dict[str, dict[str, Any]],
                       accounts: dict[str, str], workers: int = 2, vm_seconds: float = 3.0) -> AsyncIterator[Site]:
    base = free_block(12)
    config = build(Config, {
        "server": {"data_dir": str(tmp_path / "var")},
        "sip": {"port": base, "worker_port_start": base + 1, "workers": workers, "accounts": accounts,
                "rtp_port_start": random.randrange(30000, 60000 - 400, 2)},
        "scripts": {"directory": str(SCRIPTS)},
        "mail": {"host": "127.0.0.1", "port": smtp_port},
    })
    services = ServiceManager()
    services.register(keys.CONFIG, config)
    services.register(keys.EVENTS, EventBus())

    def ctx(name: str, settings: Any = None) -> ServiceContext:
        return ServiceContext(name, config, settings, services)

    storage = StorageManager(ctx("storage"))
    services.register(keys.STORAGE, storage, depends_on=["events"])
    services.register(keys.MAILER, MailerService(ctx("mailer")))
    services.register(keys.TTS, TtsService(ctx("tts")))
    voicemail = VoicemailService(ctx("voicemail", VoicemailSettings(max_seconds=vm_seconds, silence_seconds=0,
                                                                     notify={"queue:sales": "sales@example.com"})))
    services.register(keys.VOICEMAIL, voicemail, depends_on=["storage", "mailer", "events"])
    services.register(keys.TELEPHONY, SipSwitch(ctx("telephony")), depends_on=["events", "tts"])
    flows = CallFlowService(ctx("ivr", CallFlowSettings(numbers={"*": "ivr-test"}, queues={"sales": queue},
                                                        agents=agents, first_timeout=8)))
    services.register(keys.IVR, flows, depends_on=["telephony", "storage", "voicemail", "events"])
    events: list[Any] = []

    async def collect(event: Any) -> None:
        events.append(event)

    await services.start()
    unsubscribe = services.get(keys.EVENTS).subscribe(collect, (CallFinished, CallAbandoned, CallbackRequested, CallRingFailed, VoicemailLeft),
                                                      name="e2e-test")
    try:
        yield Site(services, config, flows, voicemail, storage, events)
    finally:
        unsubscribe()
        await services.stop()
