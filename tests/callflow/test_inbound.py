"""Real calls end to end: a pjsua2 caller dials Caruso, hears the IVR, presses 1 (RFC 4733), waits in the
queue, a registered pjsua2 agent phone rings and answers, both hear each other; call records, contact
history, voicemail with e-mail, abandon, ring-no-answer re-offered."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from caruso.acd import AgentState
from caruso.acd.events import CallAbandoned, CallbackRequested, CallRingFailed
from caruso.callflow.queueing import default_announcement
from caruso.storage.calls_repository import CallsRepository
from tests.callflow.conftest import Site, running_site
from tests.sip.support import Phone, heard, loud_seconds

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("e2e_tools")]

QUEUE = {"ring_timeout": 6.0, "max_wait": 60.0, "overflow": "voicemail:queue:sales"}
ACCOUNTS = {"alice": "alice-pw", "bob": "bob-pw"}
CALLER = "0612345678"


async def agent_phone(site: Site, user: str, *args: str) -> Phone:
    phone = await Phone.start("agent", "--registrar", site.address, "--user", user, "--password", ACCOUNTS[user],
                              "--max-time", "60", *args)
    await phone.expect("registered")
    return phone


async def caller_phone(site: Site, *args: str) -> Phone:
    return await Phone.start("call", site.uri("100"), "--user", CALLER, "--max-time", "60", *args)


async def until(predicate: Any, timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.05)


async def customer(site: Site) -> Any:
    return await site.storage.objects.create("Customer", {"number": "C-1", "lastName": "Martin",
                                                          "phone": "+33612345678"})


async def test_caller_reaches_an_agent_through_ivr_and_queue(tmp_path: Path, smtp: Any) -> None:
    agents = {"alice": {"phone": "alice", "queues": ["sales"]}}
    async with running_site(tmp_path, smtp.port, queue=QUEUE, agents=agents, accounts=ACCOUNTS) as site:
        known = await customer(site)
        site.flows.agent_state("alice", AgentState.READY)
        agent = await agent_phone(site, "alice", "--tone", "1000", "--record", str(tmp_path / "agent.wav"))
        caller = await caller_phone(site, "--tone", "440", "--record", str(tmp_path / "caller.wav"),
                                    "--dtmf", "1@3", "--hangup-after", "12")
        try:
            await caller.expect("state", state="CONFIRMED")
            await agent.expect("incoming", timeout=20)
            await caller.expect("ended", timeout=30)
            await agent.expect("ended")
            await caller.finish()
            await agent.finish()
        finally:
            await caller.kill()
            await agent.kill()
        await until(lambda: site.finished())
        site_finished = site.finished()[0]
        call_id = site_finished.call_id
        record = await CallsRepository(site.storage.database).get_call(call_id)
        timeline = await site.storage.timeline(known)
    assert loud_seconds(tmp_path / "caller.wav") > 1.0          # the IVR prompt, then the agent
    assert heard(tmp_path / "caller.wav", 1000) > 0.5           # the caller heard the agent's tone
    assert heard(tmp_path / "agent-0.wav", 440) > 0.5           # the agent heard the caller's tone
    assert record is not None
    assert (record.outcome, record.hangup_by, record.caller_number) == ("answered", "caller", CALLER)
    assert site_finished.agent == "alice" and site_finished.queue == "sales"
    assert record.queued_at and record.offered_at and record.answered_at and record.ended_at
    assert record.arrived_at <= record.queued_at <= record.offered_at <= record.answered_at <= record.ended_at
    assert record.wait_seconds is not None and 0 <= record.wait_seconds < 20
    assert record.talk_seconds is not None and record.talk_seconds > 1
    assert [leg.kind for leg in record.legs] == ["caller", "agent"]
    assert record.legs[1].answered_at is not None and record.legs[1].outcome == "answered"
    assert [(e.kind, e.outcome, e.call_id) for e in timeline.items] == [("inbound_call", "answered", call_id)]


async def test_no_agent_answers_the_caller_leaves_a_voicemail(tmp_path: Path, smtp: Any) -> None:
    queue = {"ring_timeout": 3.0, "max_wait": 6.0, "overflow": "voicemail:queue:sales"}
    agents = {"alice": {"phone": "alice", "queues": ["sales"]}}
    async with running_site(tmp_path, smtp.port, queue=queue, agents=agents, accounts=ACCOUNTS) as site:
        known = await customer(site)
        site.flows.agent_state("alice", AgentState.READY)
        agent = await agent_phone(site, "alice", "--answer-after", "-1")
        caller = await caller_phone(site, "--tone", "440", "--dtmf", "1@2")
        try:
            await agent.expect("incoming", timeout=20)
            await caller.expect("ended", timeout=40)
            await caller.finish()
        finally:
            await caller.kill()
            await agent.kill()
        await until(lambda: site.finished())
        await site.voicemail.wait_notified()
        messages = await site.voicemail.messages("queue:sales")
        timeline = await site.storage.timeline(known)
        missed = site.flows.acd.core.agents["alice"].state
    assert missed is AgentState.MISSED
    assert len(messages) == 1
    message = messages[0]
    path = Path(message.path)
    assert path.parent.parent == tmp_path / "var" / "voicemail" and path.suffix == ".wav"
    assert not list(path.parent.glob("*.part.wav"))
    assert heard(path, 440) > 0.5 and message.duration_seconds > 1
    assert message.caller_number == CALLER and message.call_id == site.finished()[0].call_id
    assert site.finished()[0].outcome == "voicemail"
    assert sorted(e.kind for e in timeline.items) == ["inbound_call", "voicemail"]
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["To"] == "sales@example.com" and "queue:sales" in mail["Subject"]
    assert f"/api/voicemail/{message.id}/audio" in mail.get_body().get_content()


async def test_caller_hanging_up_in_the_queue_is_abandoned_with_its_wait(tmp_path: Path, smtp: Any) -> None:
    agents = {"alice": {"phone": "alice", "queues": ["sales"]}}
    async with running_site(tmp_path, smtp.port, queue=QUEUE, agents=agents, accounts=ACCOUNTS) as site:
        site.flows.agent_state("alice", AgentState.PAUSED, "lunch")     # nobody to take the call
        caller = await caller_phone(site, "--dtmf", "1@2", "--hangup-after", "7")
        try:
            await caller.expect("ended", timeout=30)
            await caller.finish()
        finally:
            await caller.kill()
        await until(lambda: site.finished())
        finished = site.finished()[0]
        record = await CallsRepository(site.storage.database).get_call(finished.call_id)
        abandoned = site.of(CallAbandoned)
    assert finished.outcome == "abandoned" and finished.hangup_by == "caller"
    assert record is not None and record.outcome == "abandoned" and record.answered_at is None
    assert record.wait_seconds is not None and 2.0 < record.wait_seconds < 7.0
    assert len(abandoned) == 1 and abandoned[0].call == finished.call_id and abandoned[0].waited > 2.0


async def test_agent_not_answering_is_set_missed_and_the_call_is_offered_again(tmp_path: Path, smtp: Any) -> None:
    queue = {"ring_timeout": 3.0, "max_wait": 60.0, "overflow": "voicemail:queue:sales"}
    agents = {"alice": {"phone": "alice", "queues": ["sales"]}, "bob": {"phone": "bob", "queues": ["sales"]}}
    async with running_site(tmp_path, smtp.port, queue=queue, agents=agents, accounts=ACCOUNTS) as site:
        site.flows.agent_state("alice", AgentState.READY)
        alice = await agent_phone(site, "alice", "--answer-after", "-1")
        bob = await agent_phone(site, "bob", "--answer-after", "0.3")
        caller = await caller_phone(site, "--dtmf", "1@2", "--hangup-after", "14")
        try:
            await alice.expect("incoming", timeout=20)
            await until(lambda: site.flows.acd.core.agents["alice"].state is AgentState.MISSED)
            site.flows.agent_state("bob", AgentState.READY)
            await bob.expect("incoming", timeout=20)
            await caller.expect("ended", timeout=30)
            await caller.finish()
        finally:
            for phone in (caller, alice, bob):
                await phone.kill()
        await until(lambda: site.finished())
        finished = site.finished()[0]
        record = await CallsRepository(site.storage.database).get_call(finished.call_id)
        failed = site.of(CallRingFailed)
        site_state_alice = site.flows.acd.core.agents["alice"].state
    assert [(n.agent, n.outcome) for n in failed] == [("alice", "no_answer")]
    assert (finished.outcome, finished.agent) == ("answered", "bob")
    assert site_state_alice is AgentState.MISSED
    assert record is not None
    assert [(leg.kind, leg.outcome) for leg in record.legs] == [("caller", "answered"), ("agent", "no_answer"),
                                                                ("agent", "answered")]


async def test_waiting_caller_hears_music_and_announcements_then_asks_a_callback(tmp_path: Path, smtp: Any) -> None:
    queue = {"ring_timeout": 5.0, "max_wait": 9.0, "overflow": "callback", "announce_interval": 3.0}
    agents = {"alice": {"phone": "alice", "queues": ["sales"]}}
    async with running_site(tmp_path, smtp.port, queue=queue, agents=agents, accounts=ACCOUNTS) as site:
        site.flows.agent_state("alice", AgentState.PAUSED, "meeting")
        caller = await caller_phone(site, "--record", str(tmp_path / "caller.wav"), "--dtmf", "1@2,1@17")
        try:
            await caller.expect("ended", timeout=40)
            await caller.finish()
        finally:
            await caller.kill()
        await until(lambda: site.finished())
        finished = site.finished()[0]
        callbacks = site.of(CallbackRequested)
        tts = site.services.get("tts")
        announced = any(tts.path_for(default_announcement(1, minutes * 60.0).text or "", "en").exists()
                        for minutes in range(1, 60))
        waiting = site.flows.acd.core.calls.get(finished.call_id)
    assert (finished.outcome, finished.hangup_by) == ("callback", "system")
    assert [(c.call, c.number) for c in callbacks] == [(finished.call_id, CALLER)]
    assert waiting is not None                         # the call keeps its place for the callback
    assert announced                                   # "You are number 1 in the queue ..."
    assert loud_seconds(tmp_path / "caller.wav") > 8   # prompts, music and announcements while waiting
