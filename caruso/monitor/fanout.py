"""WebSocket fan-out: every socket has its own bounded send queue and its own writer task.

``publish(text)`` is synchronous and O(clients): it appends the already-serialised message to each
client's queue and wakes its writer; it never awaits a socket, so one slow browser cannot stall the
event stream or the other browsers.  A writer sends everything queued since its last send as one
frame (a JSON array), which keeps a busy monitor cheap.  When a client's queue is full, its queued
messages are dropped and it is sent a fresh snapshot instead (``resync``): it never sees a gap, it
just skips intermediate states.  A send that takes longer than ``send_timeout`` closes that socket;
the browser reconnects and resynchronises from a snapshot.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)


class Socket(Protocol):
    async def send_str(self, data: str) -> None: ...

    async def close(self, *, code: int = ..., message: bytes = ...) -> bool: ...


class Client:
    __slots__ = ("socket", "maxsize", "queue", "wakeup", "needs_resync", "sent", "resyncs", "task", "closed")

    def __init__(self, socket: Socket, maxsize: int) -> None:
        self.socket = socket
        self.maxsize = maxsize
        self.queue: collections.deque[str] = collections.deque()
        self.wakeup = asyncio.Event()
        self.needs_resync = False
        self.sent = 0
        self.resyncs = 0
        self.task: asyncio.Task[None] | None = None
        self.closed = False

    def offer(self, text: str) -> None:
        if self.needs_resync:
            return                      # a snapshot will be sent instead of what is pending
        if len(self.queue) >= self.maxsize:
            self.queue.clear()
            self.needs_resync = True
            self.resyncs += 1
        else:
            self.queue.append(text)
        self.wakeup.set()


class Broadcaster:
    def __init__(self, snapshot: Callable[[], str], *, queue_size: int = 1000, send_timeout: float = 10.0) -> None:
        self._snapshot = snapshot
        self.queue_size = queue_size
        self.send_timeout = send_timeout
        self._clients: set[Client] = set()
        self.published = 0

    @property
    def clients(self) -> int:
        return len(self._clients)

    def publish(self, text: str) -> None:
        self.published += 1
        for client in self._clients:
            client.offer(text)

    async def serve(self, socket: Socket) -> Client:
        """Register *socket*, queue a snapshot as its first message and start its writer task.

        Registration and snapshot happen in one synchronous step, so the deltas that follow are exactly
        the ones after the snapshot.  Await ``finished(client)`` (or cancel) to end it.
        """
        client = Client(socket, self.queue_size)
        client.queue.append(self._snapshot())
        client.wakeup.set()
        self._clients.add(client)
        client.task = asyncio.get_running_loop().create_task(self._writer(client), name="monitor-socket-writer")
        return client

    def remove(self, client: Client) -> None:
        self._clients.discard(client)
        client.closed = True
        client.wakeup.set()

    async def finished(self, client: Client) -> None:
        """Wait until *client*'s writer ends (socket closed or removed); then it is unregistered."""
        assert client.task is not None
        try:
            await client.task
        finally:
            self.remove(client)

    async def _writer(self, client: Client) -> None:
        queue = client.queue
        try:
            while not client.closed:
                if not queue and not client.needs_resync:
                    client.wakeup.clear()
                    await client.wakeup.wait()
                    continue
                if client.needs_resync:
                    client.needs_resync = False
                    queue.clear()
                    batch = [self._snapshot()]
                else:
                    batch = list(queue)
                    queue.clear()
                frame = "[" + ",".join(batch) + "]"
                async with asyncio.timeout(self.send_timeout):
                    await client.socket.send_str(frame)
                client.sent += len(batch)
        except TimeoutError:
            log.warning("monitor socket too slow (send over %.0f s): closing it", self.send_timeout)
            await client.socket.close()
        except (ConnectionError, RuntimeError) as exc:   # aiohttp raises these once the peer is gone
            log.debug("monitor socket gone: %s", exc)
        finally:
            self._clients.discard(client)
            client.closed = True

    async def disconnect_all(self) -> int:
        """Close every socket (shutdown, or to make every browser resynchronise); returns how many."""
        clients = list(self._clients)
        for client in clients:
            self.remove(client)
            await client.socket.close()
        return len(clients)

    async def close(self) -> None:
        clients = list(self._clients)
        for client in clients:
            self.remove(client)
            if client.task is not None:
                client.task.cancel()
        await asyncio.gather(*(c.task for c in clients if c.task is not None), return_exceptions=True)
