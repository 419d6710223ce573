"""Fixtures of the script-engine tests: the shipped scripts, the demo data, a CLI runner."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from caruso import paths
from caruso.cli.main import main
from caruso.script import load_files
from caruso.script.interpreter import Interpreter, ScriptSet
from tests.support.browser import browser_page  # noqa: F401  (the fixture, for the browser tests)

HERE = Path(__file__).parent
DATA = HERE / "data" / "utility.json"
SCRIPTS = paths.shipped("scripts_xml")


@pytest.fixture(scope="session")
def shipped() -> dict[str, Any]:
    result = load_files(sorted(SCRIPTS.glob("*.xml")))
    assert not result.problems, "\n".join(map(str, result.problems))
    return result.scripts


@pytest.fixture
def interpreter(shipped: dict[str, Any]) -> Interpreter:
    now = 1_795_000_000.0  # fixed clock: a run is deterministic
    return Interpreter(ScriptSet(shipped), clock=lambda: now)


@pytest.fixture
def demo_data() -> dict[str, Any]:
    return json.loads(DATA.read_text())


CliResult = tuple[int, list[dict[str, Any]], str]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Callable[..., CliResult]:
    """Run ``caruso ARGS`` in-process; returns (exit code, JSON lines of stdout, stderr)."""

    def run(*args: str, answers: dict[str, Any] | None = None) -> CliResult:
        argv = list(args)
        if answers is not None:
            file = tmp_path / "answers.json"
            file.write_text(json.dumps(answers))
            argv += ["--answers", str(file)]
        capsys.readouterr()
        code = main(argv)
        out = capsys.readouterr()
        lines = [json.loads(line) for line in out.out.splitlines() if line.startswith("{")]
        return code, lines, out.out + out.err

    return run


class MailSink:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes
        from email.policy import default

        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              message_from_bytes(envelope.content, policy=default)))
        return "250 OK"


@pytest.fixture
async def smtp_server() -> Any:
    """A real SMTP server (aiosmtpd) on a free loopback port, in the test's event loop."""
    import asyncio

    from aiosmtpd.smtp import SMTP

    sink = MailSink()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(sink, hostname="localhost"), "127.0.0.1", 0)
    sink.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    try:
        yield sink
    finally:
        server.close()
        await server.wait_closed()
