"""The mailer service against a real SMTP server (aiosmtpd), and script e-mail actions reaching it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from caruso.config import MailSettings
from caruso.core.component import HealthState
from caruso.core.manager import ServiceManager
from caruso.keys import MAILER
from caruso.mail import MailError, MailerService
from caruso.script.hosts.driver import advance
from caruso.script.hosts.services import ServiceExecutor
from caruso.script.inputs import Answer
from caruso.script.interpreter import Interpreter
from tests.conftest import free_port


def mailer_for(port: int) -> MailerService:
    return MailerService(settings=MailSettings(host="127.0.0.1", port=port, sender="Caruso <caruso@utility.example>",
                                               timeout=5))


async def test_send_reaches_the_smtp_server(smtp_server: Any) -> None:
    mailer = mailer_for(smtp_server.port)
    msg_id = await mailer.send(to=["ann@example.org"], cc=["desk@example.org"], subject="Hello\nthere",
                               body="Dear Ann,\n\nthank you.")
    (mail_from, rcpt, msg), = smtp_server.messages
    assert mail_from == "caruso@utility.example"
    assert rcpt == ["ann@example.org", "desk@example.org"]
    assert msg["Subject"] == "Hello there"
    assert msg["Message-ID"] == msg_id
    assert msg.get_content().replace("\r\n", "\n").strip() == "Dear Ann,\n\nthank you."
    assert mailer.health().state is HealthState.OK


async def test_bad_address_is_refused_before_sending(smtp_server: Any) -> None:
    mailer = mailer_for(smtp_server.port)
    with pytest.raises(MailError, match="not an e-mail address"):
        await mailer.send(to=["ann@example.org\r\nBcc: victim@example.org"], subject="x", body="y")
    assert smtp_server.messages == []


async def test_unreachable_server_is_a_mail_error_and_degrades_health() -> None:
    mailer = mailer_for(free_port())
    with pytest.raises(MailError, match="sending the e-mail failed"):
        await mailer.send(to=["ann@example.org"], subject="x", body="y")
    assert mailer.health().state is HealthState.DEGRADED


async def test_a_script_email_action_reaches_the_smtp_server(smtp_server: Any, interpreter: Interpreter,
                                                             demo_data: dict[str, Any]) -> None:
    services = ServiceManager()
    services.register(MAILER, mailer_for(smtp_server.port))
    executor = ServiceExecutor(services, channel="web")
    state, effects = interpreter.start("outage-report", channel="web")
    for answer in ("electricity", "75011", "hours", "yes", "06 12 34 56 78"):
        state, effects = interpreter.step(state, Answer(answer))
        state, _ = await advance(interpreter, state, effects, executor)
    assert state.outcome == "reported"
    (_, rcpt, msg), = smtp_server.messages
    assert rcpt == ["outages@utility.example"]
    assert msg["Subject"] == "Outage electricity 75011 (web)"
    assert "Call back: 06 12 34 56 78" in msg.get_content()


async def test_a_failed_email_takes_the_script_error_path(interpreter: Interpreter) -> None:
    services = ServiceManager()
    services.register(MAILER, mailer_for(free_port()))
    executor = ServiceExecutor(services, channel="web")
    state, effects = interpreter.start("outage-report", channel="web")
    for answer in ("electricity", "75011", "hours", "yes", ""):
        state, effects = interpreter.step(state, Answer(answer))
        state, seen = await advance(interpreter, state, effects, executor)
    assert state.outcome == "error"
    assert "sending the e-mail failed" in json.dumps([e.as_dict() for e in seen])
