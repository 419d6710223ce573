"""The whole web side running for real (storage, auth, ACD, monitor, scripts, web app on a TCP port),
with the telephony side played by the test through the ACD's AgentLine port: a ring waits until the test
"picks up the agent's phone".  Used by the browser tests."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp.test_utils import TestServer

from caruso import keys
from caruso.acd.ports import RingRequest, RingResult
from caruso.acd.service import AcdService
from caruso.auth.roles import Role
from caruso.config import load_config
from caruso.core.descriptors import ServiceContext
from caruso.storage.admin_repository import AdminRepository
from caruso.web.app import create_app
from tests.web.conftest import PASSWORD, make_services

DATA = Path(__file__).parent / "data"


@dataclass
class PhoneLine:
    """The agents' phones: each ring waits for ``pick_up(call)`` (or the ACD cancelling it)."""

    rings: list[RingRequest] = field(default_factory=list)
    rang: asyncio.Event = field(default_factory=asyncio.Event)
    _answer: dict[str, asyncio.Event] = field(default_factory=dict)

    async def ring(self, request: RingRequest) -> RingResult:
        self.rings.append(request)
        self.rang.set()
        event = self._answer.setdefault(request.call_id, asyncio.Event())
        await event.wait()
        return RingResult.ANSWERED

    def pick_up(self, call_id: str) -> None:
        self._answer.setdefault(call_id, asyncio.Event()).set()

    async def leave_queue(self, *args: object) -> None:
        return None

    async def announce(self, *args: object) -> None:
        return None


@dataclass
class Site:
    url: str
    services: object
    acd: AcdService
    line: PhoneLine


@asynccontextmanager
async def running_site(tmp_path: Path, extra: dict[str, object] | None = None) -> AsyncIterator[Site]:
    """*extra*: more services by name (e.g. the call flows' outbound side)."""
    scripts = tmp_path / "scripts_xml"          # uploads land here: a copy, never the test data itself
    shutil.copytree(DATA, scripts)
    config = load_config(env={"CARUSO_SERVER__DATA_DIR": str(tmp_path), "CARUSO_SERVER__TELEPHONY": "none",
                              "CARUSO_SCRIPTS__WATCH": "false", "CARUSO_SCRIPTS__DIRECTORY": str(scripts)})
    services, _, storage, auth, _ = make_services(config)
    acd = AcdService(ServiceContext("acd", config, AcdService.Settings(poll_seconds=0), services))
    services.register(keys.ACD, acd, depends_on=["storage", "events"])
    from caruso.voicemail.service import VoicemailService
    services.register(keys.VOICEMAIL, VoicemailService(ServiceContext("voicemail", config, None, services)),
                      depends_on=["storage"])
    for name, component in (extra or {}).items():
        services.register(name, component)
    await services.start()
    line = PhoneLine()
    acd.set_line(line)
    admin = AdminRepository(storage.database)
    await admin.save_queue({"name": "sales", "label": "Sales",
                            "settings": {"script": "quick-check", "service_level_seconds": 20}})
    await admin.save_agent({"login": "ann", "name": "Ann Agent", "extension": "sip:ann@127.0.0.1",
                            "wrapup_seconds": 30, "queues": {"sales": 0}})
    await admin.save_agent({"login": "ben", "name": "Ben Agent", "extension": "sip:ben@127.0.0.1"})
    await acd.reload_config()
    await auth.create_user("ann", PASSWORD, Role.AGENT, display_name="Ann Agent", agent_id="ann")
    await auth.create_user("sue", PASSWORD, Role.SUPERVISOR, display_name="Sue Supervisor")
    await auth.create_user("ben", PASSWORD, Role.AGENT, display_name="Ben Agent", agent_id="ben")
    customer = await storage.objects.create("Customer", {"number": "C900001", "firstName": "Jean",
                                                         "lastName": "Bernard", "phone": "+33472000001"})
    from datetime import UTC, datetime, timedelta

    from caruso.storage.history import ContactEvent
    await storage.record_contact(ContactEvent(kind="email", channel="email", customer=customer.ref,
                                              started_at=datetime.now(UTC) - timedelta(days=3),
                                              summary="asked for a copy of the March bill"))
    server = TestServer(create_app(services), host="127.0.0.1")
    await server.start_server()
    try:
        yield Site(str(server.make_url("")), services, acd, line)
    finally:
        await server.close()
        await services.stop()
