"""Run the front SIP server (Kamailio from Debian) for the embedded driver: write its files, start it,
talk JSON-RPC to it over its Unix datagram socket, stop it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import socket
import tempfile
import uuid
from pathlib import Path
from typing import Any

from caruso.drivers.sip.kamailio_cfg import FrontConfig, dispatcher_list, render
from caruso.telephony.interface import TelephonyError

log = logging.getLogger(__name__)

START_TIMEOUT = 15.0


class FrontError(TelephonyError):
    """Kamailio is missing, did not start, or refused an RPC."""


def find_kamailio() -> str:
    path = shutil.which("kamailio") or ("/usr/sbin/kamailio" if os.path.exists("/usr/sbin/kamailio") else None)
    if path is None:
        raise FrontError("kamailio is not installed: install Debian's 'kamailio' package "
                         "(tools/setup.sh run does it)")
    return path


class KamailioFront:
    def __init__(self, config: FrontConfig, work_dir: Path) -> None:
        self.config = config
        self.work_dir = work_dir
        self.process: asyncio.subprocess.Process | None = None
        self._log_task: asyncio.Task[None] | None = None

    @classmethod
    def prepare(cls, work_dir: Path, **kwargs: Any) -> KamailioFront:
        work_dir.mkdir(parents=True, exist_ok=True)
        # Unix socket paths are limited to ~100 bytes: keep the RPC socket in a short temp dir.
        rpc_dir = Path(tempfile.mkdtemp(prefix="caruso-kam-"))
        config = FrontConfig(rpc_socket=str(rpc_dir / "rpc.sock"), dispatcher_file=str(work_dir / "dispatcher.list"),
                             run_dir=str(rpc_dir), **kwargs)
        return cls(config, work_dir)

    async def start(self) -> None:
        binary = find_kamailio()
        cfg_path = self.work_dir / "kamailio.cfg"
        cfg_path.write_text(render(self.config), encoding="utf-8")
        Path(self.config.dispatcher_file).write_text(dispatcher_list(self.config.workers), encoding="utf-8")
        check = await asyncio.create_subprocess_exec(binary, "-c", "-f", str(cfg_path),
                                                     stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await check.communicate()
        if check.returncode != 0:
            raise FrontError(f"kamailio rejected {cfg_path}: {out.decode(errors='replace')[-2000:]}")
        self.process = await asyncio.create_subprocess_exec(
            binary, "-DD", "-E", "-f", str(cfg_path), "-m", "64", "-M", "8",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, start_new_session=True)
        self._log_task = asyncio.create_task(self._pump_log(), name="kamailio-log")
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT
        while True:
            if self.process.returncode is not None:
                raise FrontError(f"kamailio exited at start with status {self.process.returncode}")
            try:
                await self.rpc("core.version", timeout=0.5)
                return
            except FrontError:
                if asyncio.get_running_loop().time() > deadline:
                    raise FrontError("kamailio did not answer JSON-RPC at start") from None
                await asyncio.sleep(0.1)

    async def _pump_log(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        while line := await self.process.stderr.readline():
            log.debug("kamailio: %s", line.decode(errors="replace").rstrip())

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def rpc(self, method: str, *params: Any, timeout: float = 3.0) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, self._rpc_sync, method, list(params), timeout)

    def _rpc_sync(self, method: str, params: list[Any], timeout: float) -> Any:
        reply_path = os.path.join(self.config.run_dir, f"reply-{uuid.uuid4().hex[:12]}")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            sock.bind(reply_path)
            sock.settimeout(timeout)
            request = {"jsonrpc": "2.0", "method": method, "params": params, "id": 1}
            sock.sendto(json.dumps(request).encode(), self.config.rpc_socket)
            data = sock.recv(65536)
        except OSError as exc:
            raise FrontError(f"kamailio RPC {method} failed: {exc}") from exc
        finally:
            sock.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(reply_path)
        reply = json.loads(data.decode())
        if "error" in reply:
            raise FrontError(f"kamailio RPC {method}: {reply['error']}")
        return reply.get("result")

    async def set_user(self, username: str, password: str) -> None:
        await self.rpc("htable.sets", "users", username, password)

    async def remove_user(self, username: str) -> None:
        await self.rpc("htable.delete", "users", username)
        with contextlib.suppress(FrontError):
            await self.rpc("ul.rm", "location", username)

    async def contacts(self, username: str) -> list[str]:
        try:
            result = await self.rpc("ul.lookup", "location", username)
        except FrontError as exc:
            if "not found" in str(exc).lower():
                return []
            raise
        found = result.get("Contacts", []) if isinstance(result, dict) else []
        return [c.get("Contact", {}).get("Address", "") for c in found]

    async def set_worker_state(self, address: str, active: bool) -> None:
        await self.rpc("dispatcher.set_state", "a" if active else "ip", 1, f"sip:{address}")

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, 15)
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, 9)
                await self.process.wait()
        if self._log_task is not None:
            await self._log_task
        shutil.rmtree(self.config.run_dir, ignore_errors=True)
