"""A progressive campaign end to end over real SIP: Kamailio and the embedded pjsua2 switch, pjsua2
"customers" that answer, are busy or never answer, one whose consent was withdrawn after the list was
loaded (its phone must never ring), and an agent softphone.  Dispositions (from the agent script's saved
outcome) end up in the contact history."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from caruso.config import DialerSettings
from caruso.core.descriptors import ServiceContext
from caruso.dialer.events import CampaignCallConnected, DialBlocked
from caruso.dialer.service import DialerService
from caruso.keys import EVENTS
from caruso.storage.campaign_repository import NewContact
from caruso.storage.script_runs_repository import ScriptRunRecord, ScriptRunsRepository
from tests.callflow.conftest import e2e_tools, running_site, smtp  # noqa: F401  (fixtures)
from tests.sip.support import Phone

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("e2e_tools")]

CUSTOMERS = {"33142685301": "answers", "33142685302": "busy", "33142685303": "no answer",
             "33142685304": "withdrawn"}
ACCOUNTS = {"alice": "alice-pw", **{user: f"pw-{user}" for user in CUSTOMERS}}
QUEUE = {"ring_timeout": 8.0, "max_wait": 60.0}
ALL_DAY = [{"start": "00:00", "end": "23:59", "days": [0, 1, 2, 3, 4, 5, 6]}]


async def phone(site: Any, user: str, *args: str) -> Phone:
    started = await Phone.start("agent", "--registrar", site.address, "--user", user, "--password", ACCOUNTS[user],
                                "--max-time", "90", *args)
    await started.expect("registered")
    return started


async def rang(p: Phone) -> bool:
    """Stop the phone and say whether it ever saw an incoming call."""
    await p.kill()
    assert p.process.stdout is not None
    rest = await p.process.stdout.read()
    return any(s["event"] == "incoming" for s in p.seen) or b'"incoming"' in rest


async def test_progressive_campaign_over_real_sip(tmp_path: Path, smtp: Any) -> None:
    agents = {"alice": {"phone": "alice", "queues": ["sales"], "wrap_up": 1.0}}
    async with running_site(tmp_path, smtp.port, queue=QUEUE, agents=agents, accounts=ACCOUNTS) as site, \
            contextlib.AsyncExitStack() as phones:
        storage = site.storage
        config = dataclasses.replace(site.config, dialer=DialerSettings(
            dial_format="{digits}", tick_seconds=0.2, disposition_timeout=20.0))
        dialer = DialerService(ServiceContext("dialer", config, None, site.services))
        connected: list[Any] = []
        blocked: list[Any] = []

        async def on_event(event: Any) -> None:
            (connected if isinstance(event, CampaignCallConnected) else blocked).append(event)
            if isinstance(event, CampaignCallConnected):   # the agent finishes the script: outcome "sale"
                await ScriptRunsRepository(storage.database).save(ScriptRunRecord(
                    id=f"run-{event.call_id}", script="sales-call", script_version=None, host="agent",
                    status="finished", state={}, trace=[], outcome="sale", call_id=event.call_id, agent="alice"))

        site.services.get(EVENTS).subscribe(on_event, (CampaignCallConnected, DialBlocked), name="e2e-dialer")
        people = [await storage.objects.create("Customer", {"number": f"C-{i}", "lastName": name,
                                                            "phone": f"+3314268530{i}"})
                  for i, name in ((1, "Roux"), (2, "Blanc"), (3, "Noir"))]
        customer = people[0]
        alice = await phone(site, "alice", "--answer-after", "0.5", "--calls", "5")
        phones.push_async_callback(alice.kill)
        answers = await phone(site, "33142685301", "--answer-after", "1", "--hangup-after", "5", "--tone", "440")
        busy = await phone(site, "33142685302", "--respond", "486")
        silent = await phone(site, "33142685303", "--answer-after", "-1")
        withdrawn = await phone(site, "33142685304", "--answer-after", "0.5")
        for p in (answers, busy, silent, withdrawn):
            phones.push_async_callback(p.kill)
        site.flows.agent_state("alice", "ready")

        async with dialer.lifespan():
            await dialer.create({"name": "renewals", "mode": "progressive", "purpose": "service", "queue": "sales",
                                 "script": "sales-call", "ring_timeout": 15, "calling_windows": ALL_DAY})
            await dialer.add_contacts("renewals", [
                NewContact("+33142685304", priority=9),
                NewContact("+33142685301", customer=customer.ref, priority=8),
                NewContact("+33142685302", customer=people[1].ref, priority=7),
                NewContact("+33142685303", customer=people[2].ref, priority=6)])
            # withdrawn after loading, before the campaign dials
            await storage.set_consent("+33142685304", "phone", "service", "opt_out", source="letter")
            await dialer.start("renewals")

            async def done() -> bool:
                status = await dialer.status("renewals")
                return sum(status["attempts"].values()) >= 3 and not status["lines_in_flight"] \
                    and status["contacts"].get("in_progress", 0) == 0
            async with asyncio.timeout(90):
                while not await done():
                    await asyncio.sleep(0.5)
            status = await dialer.status("renewals")
            await dialer.stop("renewals")

        assert status["attempts"] == {"connected": 1, "busy": 1, "no_answer": 1}, status
        assert status["progress"]["connected"] == 1 and status["progress"]["blocked"] == 1
        assert status["contacts"] == {"done": 1, "do_not_call": 1, "pending": 2}, status
        assert [b.reason for b in blocked if isinstance(b, DialBlocked)] == ["consent_withdrawn"]
        assert [c.agent for c in connected] == ["alice"]
        assert not await rang(withdrawn)
        assert await rang(silent) and await rang(busy) and await rang(answers)

        seen = []
        for person in people:
            timeline = await storage.timeline(person.ref)
            seen += [(e.address, e.outcome, e.agent, e.direction) for e in timeline.items if e.kind == "outbound_call"]
        assert seen == [("+33142685301", "sale", "alice", "outbound"), ("+33142685302", "busy", None, "outbound"),
                        ("+33142685303", "no_answer", None, "outbound")]
