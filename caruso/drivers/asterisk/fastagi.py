"""The FastAGI server: panoramisk's ``Application`` (routes) and ``Request`` (one call's socket), with the
pieces that break our rules replaced.

- ``handler``: panoramisk 1.4 loops on ``reader.read()`` until it sees a blank line, so a peer that sends
  half a header and closes makes it spin forever on ``b''``.  We read the block line by line with one
  deadline, a size cap and a strict parser; EOF, garbage or the deadline close that socket only.
- ``add_route``: panoramisk wraps a plain function with ``asyncio.coroutine`` (gone in 3.11).  We accept
  coroutine functions only, and say so.
- ``send_command``: panoramisk reads one line per reply with no time-out, reads only one extra line of a
  520 usage text, and takes the unsolicited ``HANGUP`` line for the reply to the next command.  Here one
  reader task per call feeds ``ReplyReader``; each command waits for its own reply with a time-out, and
  ``HANGUP``/EOF end the call at once, failing the command in flight with ``CallEnded``.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from panoramisk import fast_agi

from caruso.drivers.asterisk.agi_channel import AgiChannel
from caruso.drivers.asterisk.agi_protocol import (
    HANGUP, AgiEnvironment, AgiProtocolError, AgiReply, EnvironmentReader, ReplyReader,
)
from caruso.drivers.asterisk.errors import AgiTimeout
from caruso.drivers.asterisk.sockets import keep_alive
from caruso.telephony.interface import CallEnded, HangupCause

log = logging.getLogger(__name__)

Route = Callable[["AgiSession"], Awaitable[None]]


def _expire(future: asyncio.Future[AgiReply]) -> None:
    if not future.done():
        future.set_exception(TimeoutError())


class AgiSession(AgiChannel, fast_agi.Request):
    """One FastAGI connection (one call).  ``await session.command("STREAM FILE", "hello", "")``."""

    def __init__(self, app: AgiServer, env: AgiEnvironment, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter, command_timeout: float) -> None:
        AgiChannel.__init__(self, env, command_timeout)
        fast_agi.Request.__init__(self, app=app, headers=env.values, reader=reader, writer=writer,
                                  encoding="utf-8")
        self._replies = ReplyReader()
        self._waiting: deque[asyncio.Future[AgiReply]] = deque()
        self._reader_task: asyncio.Task[None] | None = None
        self._socket_open = True
        self._owed = 0

    def start(self) -> None:
        self._reader_task = asyncio.create_task(self._read_loop(), name=f"agi-{self.env.uniqueid}")

    async def close(self) -> None:
        if self._reader_task is not None:
            self._reader_task.cancel()
            await asyncio.wait([self._reader_task])
        self.writer.close()
        self._end(HangupCause.NORMAL)

    def _can_send_when_dead(self) -> bool:
        return self._socket_open          # Asterisk still answers GET VARIABLE after the HANGUP line

    async def _roundtrip(self, line: bytes, words: str, limit: float, hangup_ok: bool) -> AgiReply:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[AgiReply] = loop.create_future()
        self._waiting.append(future)
        self.writer.write(line)
        timer = loop.call_later(limit, _expire, future)     # cheaper than wait_for on this hot path
        try:
            return await future
        except TimeoutError as exc:
            # the reply may still come; this connection is out of step from now on: end it
            self._end(HangupCause.FAILED)
            self.writer.close()
            raise AgiTimeout(words, f"no reply within {limit:g} s") from exc
        finally:
            timer.cancel()

    async def send_command(self, command: str) -> dict[str, object]:   # panoramisk's signature, kept usable
        reply = await self.command(command)
        return {"status_code": reply.code, "result": (reply.result, reply.data), "msg": reply.text}

    # ---- the reader task -----------------------------------------------------------------------
    async def _read_loop(self) -> None:
        cause = HangupCause.CALLER_HANGUP
        try:
            while True:
                raw = await self.reader.readline()
                if not raw.endswith(b"\n"):
                    break                               # EOF (possibly after a partial line)
                reply = self._replies.feed_line(raw)
                if reply is None:
                    continue
                if reply == HANGUP:
                    self._end(HangupCause.CALLER_HANGUP)
                    continue                            # replies to commands in flight may still come
                if self._owed:
                    self._owed -= 1                     # the late reply to a command already failed
                elif self._waiting:
                    future = self._waiting.popleft()    # a cancelled command still owns its reply
                    if not future.done():
                        future.set_result(reply)        # type: ignore[arg-type]
                elif not self.dead:
                    log.warning("AGI %s: reply with no command: %r", self.env.uniqueid, reply)
        except (AgiProtocolError, ValueError, ConnectionError) as exc:
            log.warning("AGI %s: %s; closing", self.env.uniqueid, exc)
            cause = HangupCause.FAILED
        self._socket_open = False
        self._end(cause)
        self._fail_waiting()

    def _fail_waiting(self) -> None:
        while self._waiting:
            future = self._waiting.popleft()
            self._owed += 1                             # Asterisk still answers it; skip that reply
            if not future.done():
                future.set_exception(CallEnded(self.end_cause or HangupCause.CALLER_HANGUP))


class AgiServer(fast_agi.Application):
    """``add_route(name, async_fn)``, ``await start(host, port)``, ``await stop()``."""

    def __init__(self, *, header_timeout: float = 5.0, command_timeout: float = 30.0) -> None:
        super().__init__(default_encoding="utf-8", loop=asyncio.get_running_loop())
        self.header_timeout = header_timeout
        self.command_timeout = command_timeout
        self.fallback: Route | None = None
        self.rejected = 0                  # connections closed for a bad or missing header
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[object]] = set()

    def add_route(self, path: str, endpoint: Route) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            raise TypeError(f"FastAGI route {path!r}: {endpoint!r} must be an async function")
        super().add_route(path, endpoint)

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self, host: str, port: int) -> None:
        self._server = await asyncio.start_server(self.handler, host, port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for task in list(self._handlers):
            task.cancel()
        if self._handlers:
            await asyncio.wait(list(self._handlers))

    async def handler(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        keep_alive(writer)
        session: AgiSession | None = None
        try:
            env = await self._read_environment(reader, writer)
            if env is None:
                return
            route = self._route.get(env.route) or self.fallback
            if route is None:
                log.error("FastAGI: no route %r (known: %s)", env.route, ", ".join(self._route))
                return
            session = AgiSession(self, env, reader, writer, self.command_timeout)
            session.start()
            try:
                await route(session)
            except CallEnded:
                pass
            except Exception:
                log.exception("FastAGI route %r failed for %s", env.route, env.uniqueid)
        finally:
            if session is not None:
                await session.close()
            writer.close()
            self._handlers.discard(task)

    async def _read_environment(self, reader: asyncio.StreamReader,
                                writer: asyncio.StreamWriter) -> AgiEnvironment | None:
        env = EnvironmentReader()
        peer = writer.get_extra_info("peername")
        try:
            async with asyncio.timeout(self.header_timeout):
                while not env.done:
                    raw = await reader.readline()
                    if not raw.endswith(b"\n"):
                        log.warning("FastAGI %s closed after %d bytes of header", peer, len(raw))
                        self.rejected += 1
                        return None
                    env.feed_line(raw)
        except TimeoutError:
            log.warning("FastAGI %s: no complete header within %g s", peer, self.header_timeout)
        except (AgiProtocolError, ValueError) as exc:        # ValueError: line over the stream limit
            log.warning("FastAGI %s: %s", peer, exc)
        except ConnectionError as exc:
            log.warning("FastAGI %s: %s", peer, exc)
        else:
            return env.environment()
        self.rejected += 1
        return None
