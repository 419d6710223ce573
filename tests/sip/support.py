"""Helpers for the SIP tests: a pjsua2 phone in its own process, an embedded server on free ports."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caruso import keys
from caruso.config import Config
from caruso.core.descriptors import ServiceContext
from caruso.core.manager import ServiceManager
from caruso.core.settings import build
from caruso.drivers.sip import audio
from caruso.drivers.sip.switch import SipSwitch
from caruso.events.bus import EventBus

ROOT = Path(__file__).resolve().parents[2]


def _free(port: int) -> bool:
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def free_block(size: int) -> int:
    """The first of *size* consecutive ports free for both UDP and TCP."""
    for _ in range(200):
        base = random.randrange(21000, 60000 - size)
        if all(_free(base + i) for i in range(size)):
            return base
    raise RuntimeError("no free port block")


class Phone:
    """A ``tests.sip.phone`` process; ``expect`` reads its JSON lines."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.seen: list[dict[str, Any]] = []

    @classmethod
    async def start(cls, *args: str) -> Phone:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.sip.phone", *args, cwd=str(ROOT),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
        return cls(process)

    async def expect(self, event: str, timeout: float = 15.0, **match: Any) -> dict[str, Any]:
        assert self.process.stdout is not None
        for seen in self.seen:
            if seen["event"] == event and all(seen.get(k) == v for k, v in match.items()):
                self.seen.remove(seen)
                return seen
        async with asyncio.timeout(timeout):
            while True:
                line = await self.process.stdout.readline()
                if not line:
                    raise AssertionError(f"phone exited before {event!r}; saw {self.seen}")
                if not line.startswith(b"{"):
                    continue              # pjlib's own start-up lines
                data = json.loads(line)
                if data["event"] == event and all(data.get(k) == v for k, v in match.items()):
                    return data
                self.seen.append(data)

    async def finish(self, timeout: float = 20.0) -> int:
        try:
            return await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise

    async def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


@dataclass
class Server:
    services: ServiceManager
    switch: SipSwitch
    config: Config

    @property
    def address(self) -> str:
        return f"{self.config.sip.host}:{self.config.sip.port}"

    def uri(self, user: str) -> str:
        return f"sip:{user}@{self.address}"


def sip_config(tmp_path: Path, **sip: Any) -> Config:
    base = free_block(12)
    settings = {"port": base, "worker_port_start": base + 1, "workers": 2,
                "rtp_port_start": random.randrange(30000, 60000 - 400, 2), **sip}
    return build(Config, {"server": {"data_dir": str(tmp_path / "var")}, "sip": settings})


@contextlib.asynccontextmanager
async def running_server(tmp_path: Path, extra: dict[str, Any] | None = None, **sip: Any) -> AsyncIterator[Server]:
    config = sip_config(tmp_path, **sip)
    services = ServiceManager()
    services.register(keys.CONFIG, config)
    services.register(keys.EVENTS, EventBus())
    for name, component in (extra or {}).items():
        services.register(name, component)
    switch = SipSwitch(ServiceContext("telephony", config, None, services))
    services.register(keys.TELEPHONY, switch, depends_on=["events", *(extra or {})])
    await services.start()
    try:
        yield Server(services, switch, config)
    finally:
        await services.stop()


def heard(path: Path, frequency: float) -> float:
    """The strongest share of *frequency* in any loud quarter-second of the recording."""
    samples, rate = audio.read_samples(path)
    step = rate // 4
    best = 0.0
    for start in range(0, len(samples) - step, step):
        window = samples[start:start + step]
        if audio.rms(window) > 300:
            best = max(best, audio.tone_power(window, rate, frequency))
    return best


def loud_seconds(path: Path, threshold: float = 300) -> float:
    """How many seconds of the recording are not silence."""
    samples, rate = audio.read_samples(path)
    step = rate // 10
    loud = sum(1 for start in range(0, len(samples) - step, step) if audio.rms(samples[start:start + step]) > threshold)
    return loud / 10
