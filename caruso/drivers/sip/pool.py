"""The supervisor of the media workers: spawns a pool of worker processes, links to each over a Unix
socket, routes replies and events, restarts a worker that dies and reports the calls it lost."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caruso.drivers.sip.protocol import Decoder, Event, ProtocolError, Reply, Request, RequestIds, encode
from caruso.telephony.interface import CallError, TelephonyError

log = logging.getLogger(__name__)

HELLO_TIMEOUT = 20.0
REQUEST_TIMEOUT = 10.0


class WorkerGone(TelephonyError):
    """The worker holding a call died or its link closed."""


@dataclass(frozen=True)
class PoolSettings:
    workers: int = 2
    host: str = "127.0.0.1"
    first_sip_port: int = 5070
    first_rtp_port: int = 20000
    rtp_ports_per_worker: int = 40
    calls_per_worker: int = 4
    proxy: str = ""                      # host:port of the front SIP server
    transports: tuple[str, ...] = ("udp", "tcp")
    restart_delay: float = 0.5


class WorkerLink:
    """One worker process and its IPC link."""

    def __init__(self, pool: WorkerPool, index: int) -> None:
        self.pool = pool
        self.index = index
        self.name = f"w{index + 1}"
        s = pool.settings
        self.sip_port = s.first_sip_port + index
        self.rtp_port = s.first_rtp_port + index * s.rtp_ports_per_worker
        self.process: asyncio.subprocess.Process | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.connected = asyncio.Event()
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.ids = RequestIds()
        self.calls: set[str] = set()
        self.reserved = 0
        self.restarts = 0

    @property
    def address(self) -> str:
        return f"{self.pool.settings.host}:{self.sip_port}"

    @property
    def alive(self) -> bool:
        return self.connected.is_set()

    def free_slots(self) -> int:
        return self.pool.settings.calls_per_worker - len(self.calls) - self.reserved if self.alive else 0

    async def request(self, op: str, timeout: float = REQUEST_TIMEOUT, **args: Any) -> Any:
        if self.writer is None or not self.alive:
            raise WorkerGone(f"media worker {self.name} is not running")
        rid = self.ids.next()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[rid] = future
        try:
            self.writer.write(encode(Request(rid, op, args)))
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise CallError(f"media worker {self.name} did not answer {op} within {timeout:g} s") from None
        finally:
            self.pending.pop(rid, None)

    def _on_reply(self, reply: Reply) -> None:
        future = self.pending.get(reply.id)
        if future is None or future.done():
            return
        if reply.ok:
            future.set_result(reply.result)
        else:
            future.set_exception(CallError(reply.error))

    def _fail_pending(self) -> None:
        for future in self.pending.values():
            if not future.done():
                future.set_exception(WorkerGone(f"media worker {self.name} died"))
        self.pending.clear()


EventHandler = Callable[[WorkerLink, Event], None]
LostHandler = Callable[[WorkerLink, set[str]], None]


class WorkerPool:
    def __init__(self, settings: PoolSettings, on_event: EventHandler, on_lost: LostHandler) -> None:
        self.settings = settings
        self.on_event = on_event
        self.on_lost = on_lost
        self.links = [WorkerLink(self, i) for i in range(settings.workers)]
        self._dir = Path(tempfile.mkdtemp(prefix="caruso-sip-"))
        self.socket_path = str(self._dir / "ipc.sock")
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._stopping = False

    async def start(self) -> None:
        self._server = await asyncio.start_unix_server(self._accept, path=self.socket_path)
        for link in self.links:
            self._track(self._supervise(link), f"sip-worker-{link.name}")
        # a worker's start costs ~0.3 s of CPU (Python + pjsua2): a big pool on a small machine takes a while
        timeout = max(HELLO_TIMEOUT, 0.6 * len(self.links))
        try:
            await asyncio.wait_for(asyncio.gather(*(link.connected.wait() for link in self.links)), timeout)
        except TimeoutError:
            missing = [link.name for link in self.links if not link.alive]
            await self.stop()
            raise TelephonyError(f"media workers {', '.join(missing)} did not start within {timeout:g} s") from None

    def _track(self, coro: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def command(self, link: WorkerLink) -> list[str]:
        s = self.settings
        return [sys.executable, "-m", "caruso.drivers.sip.worker", "--socket", self.socket_path,
                "--name", link.name, "--host", s.host, "--sip-port", str(link.sip_port),
                "--rtp-port", str(link.rtp_port), "--max-calls", str(s.calls_per_worker),
                "--proxy", s.proxy, "--transports", ",".join(s.transports)]

    async def _supervise(self, link: WorkerLink) -> None:
        while not self._stopping:
            link.process = await asyncio.create_subprocess_exec(
                *self.command(link), stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL)
            code = await link.process.wait()
            lost = set(link.calls)
            link.connected.clear()
            link._fail_pending()
            link.calls.clear()
            link.reserved = 0
            if self._stopping:
                return
            log.error("media worker %s exited with status %s; %d call(s) lost; restarting", link.name, code, len(lost))
            self.on_lost(link, lost)
            link.restarts += 1
            await asyncio.sleep(self.settings.restart_delay)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        decoder = Decoder()
        link: WorkerLink | None = None
        try:
            while data := await reader.read(65536):
                decoder.feed(data)
                for message in decoder.messages():
                    if link is None:
                        link = self._hello(message, writer)
                        continue
                    if isinstance(message, Reply):
                        link._on_reply(message)
                    elif isinstance(message, Event):
                        self._dispatch(link, message)
        except (ProtocolError, ConnectionError) as exc:
            log.error("IPC link to worker %s broken: %s", link.name if link else "?", exc)
        finally:
            writer.close()
            if link is not None and link.writer is writer:
                link.connected.clear()
                link._fail_pending()
                if link.process is not None and link.process.returncode is None:
                    with contextlib.suppress(ProcessLookupError):
                        link.process.kill()

    def _hello(self, message: Any, writer: asyncio.StreamWriter) -> WorkerLink:
        if not isinstance(message, Event) or message.name != "hello":
            raise ProtocolError("a worker must say hello first")
        name = message.data.get("name")
        for link in self.links:
            if link.name == name:
                link.writer = writer
                link.connected.set()
                return link
        raise ProtocolError(f"unknown worker {name!r}")

    def _dispatch(self, link: WorkerLink, event: Event) -> None:
        if event.name == "incoming" and event.call:
            link.calls.add(event.call)
        elif event.name == "state" and event.data.get("state") == "ended":
            link.calls.discard(event.call)
        try:
            self.on_event(link, event)
        except Exception:
            log.exception("handling worker event %s failed", event.name)

    def link_for(self, call_id: str) -> WorkerLink:
        name = call_id.split("-", 1)[0]
        for link in self.links:
            if link.name == name:
                return link
        raise CallError(f"no worker for call {call_id!r}")

    def pick(self, slots: int = 1) -> WorkerLink:
        best = max(self.links, key=lambda link: link.free_slots())
        if best.free_slots() < slots:
            raise CallError(f"no media worker has {slots} free call slot(s)")
        return best

    async def stop(self) -> None:
        self._stopping = True
        for link in self.links:
            if link.process is not None and link.process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    link.process.terminate()
        running = [link.process for link in self.links if link.process is not None]
        if running:
            _, late = await asyncio.wait([asyncio.ensure_future(p.wait()) for p in running], timeout=10)
            for process in running:
                if process.returncode is None:
                    with contextlib.suppress(ProcessLookupError):
                        process.kill()
            for process in running:
                await process.wait()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        shutil.rmtree(self._dir, ignore_errors=True)

    def status(self) -> list[dict[str, Any]]:
        return [{"name": link.name, "address": link.address, "alive": link.alive, "calls": len(link.calls),
                 "restarts": link.restarts, "pid": link.process.pid if link.process else None}
                for link in self.links]
