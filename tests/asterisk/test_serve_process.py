"""The real ``caruso serve`` process with ``server.telephony = "asterisk"`` against the fake Asterisk: the
descriptor wires the driver, health shows the AMI link, an inbound FastAGI call reaches the call flow, and
the server stops cleanly."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.asterisk.fake.asterisk import FakeAsterisk
from tests.conftest import free_port

pytestmark = pytest.mark.slow


def _health(url: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(url, timeout=1) as resp:
            return json.load(resp)
    except OSError:
        return None


async def _until_health(url: str, predicate: Any, proc: asyncio.subprocess.Process, timeout: float = 60) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            if proc.returncode is not None:
                raise AssertionError(f"caruso serve exited early with {proc.returncode}")
            body = await asyncio.to_thread(_health, url)
            if body is not None and predicate(body):
                return body
            await asyncio.sleep(0.2)


async def test_serve_with_the_asterisk_driver(tmp_path: Path) -> None:
    fake = FakeAsterisk()
    await fake.start()
    web, agi = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARUSO_")}
    env.update({"CARUSO_WEB__PORT": str(web), "CARUSO_SERVER__DATA_DIR": str(tmp_path / "var"),
                "CARUSO_SERVER__TELEPHONY": "asterisk", "CARUSO_ASTERISK__AMI_PORT": str(fake.ami.port),
                "CARUSO_ASTERISK__AMI_SECRET": "caruso", "CARUSO_ASTERISK__FASTAGI_PORT": str(agi)})
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "caruso", "serve", cwd=tmp_path, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{web}/health"
        body = await _until_health(url, lambda b: b["services"].get("telephony", {}).get("state") == "ok", proc)
        assert "AMI 127.0.0.1" in body["services"]["telephony"]["reason"]
        fake.agi_port = agi
        caller = fake.incoming(caller="0612345678", prompt_seconds=3600)
        async with asyncio.timeout(30):
            while "ANSWER" not in caller.commands:       # the call flow took the call
                await asyncio.sleep(0.05)
        fake.caller_hangs_up(caller)
        await asyncio.wait_for(caller.closed.wait(), 30)
        await fake.ami.go_down()
        await _until_health(url, lambda b: b["services"]["telephony"]["state"] == "degraded", proc)
        await fake.ami.come_back()
        await _until_health(url, lambda b: b["services"]["telephony"]["state"] == "ok", proc)
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.communicate()
        await fake.stop()
    text = err.decode()
    assert proc.returncode == 0, text
    for bad in ("Traceback", "Task was destroyed", "never awaited", "Unclosed"):
        assert bad not in text, text
