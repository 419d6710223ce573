"""The FastAGI server: panoramisk's ``Application`` (the route table) and ``Request`` (one call), with the
pieces that break our rules replaced.

- ``handler``: panoramisk 1.4 loops on ``reader.read()`` until it sees a blank line, so a peer that sends
  half a header and closes makes it spin forever on ``b''``.  Here a small line protocol reads the socket;
  the header is taken line by line with one deadline, a size cap and a strict parser; EOF, garbage or the
  deadline close that socket only.
- ``add_route``: panoramisk wraps a plain function with ``asyncio.coroutine`` (gone in 3.11).  We accept
  coroutine functions only, and say so.
- ``send_command``: panoramisk reads one line per reply with no time-out, reads only one extra line of a
  520 usage text, and takes the unsolicited ``HANGUP`` line for the reply to the next command.  Here each
  line is handled as it arrives (``data_received``, no reader task): replies go to the command waiting for
  them, each with a time-out, and ``HANGUP``/EOF end the call at once, failing the command in flight with
  ``CallEnded``.
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
    HANGUP, MAX_LINE_BYTES, AgiEnvironment, AgiProtocolError, AgiReply, EnvironmentReader, ReplyReader,
)
from caruso.drivers.asterisk.errors import AgiTimeout
from caruso.drivers.asterisk.sockets import keep_alive
from caruso.telephony.interface import CallEnded, HangupCause

log = logging.getLogger(__name__)

Route = Callable[["AgiSession"], Awaitable[None]]


def _expire(future: asyncio.Future[AgiReply]) -> None:
    if not future.done():
        future.set_exception(TimeoutError())


class _Lines(asyncio.Protocol):
    """Splits the socket's bytes into lines.  Until a session attaches, lines wait for ``next_line()``
    (the header); then each line goes straight to the session."""

    def __init__(self, server: AgiServer) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.session: AgiSession | None = None
        self._buffer = b""
        self._lines: deque[bytes] = deque()
        self._eof = False
        self._wake: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        keep_alive(transport)
        self.server._spawn(self)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer + data if self._buffer else data
        start = 0
        while (end := buffer.find(b"\n", start)) >= 0:
            line = buffer[start:end + 1]
            start = end + 1
            if self.session is not None:
                self.session._line(line)
            else:
                self._lines.append(line)
        self._buffer = buffer[start:]
        if len(self._buffer) > MAX_LINE_BYTES:
            log.warning("FastAGI %s: line longer than %d bytes", self.peer, MAX_LINE_BYTES)
            self._buffer = b""
            self._closed()
            if self.transport is not None:
                self.transport.close()
            return
        self._notify()

    def eof_received(self) -> bool | None:
        self._closed()
        return None                         # let the transport close

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed()

    def _closed(self) -> None:
        if self._eof:
            return
        self._eof = True
        if self.session is not None:
            self.session._socket_closed()
        self._notify()

    def _notify(self) -> None:
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    @property
    def peer(self) -> object:
        return self.transport.get_extra_info("peername") if self.transport is not None else None

    async def next_line(self) -> bytes | None:
        """The next whole line, or None at EOF (a partial line then is dropped)."""
        while not self._lines:
            if self._eof:
                return None
            self._wake = asyncio.get_running_loop().create_future()
            await self._wake
        return self._lines.popleft()

    def attach(self, session: AgiSession) -> None:
        self.session = session
        while self._lines:
            session._line(self._lines.popleft())
        if self._eof:
            session._socket_closed()


class AgiSession(AgiChannel, fast_agi.Request):
    """One FastAGI connection (one call).  ``await session.command("STREAM FILE", "hello", "")``."""

    def __init__(self, app: AgiServer, env: AgiEnvironment, transport: asyncio.Transport,
                 command_timeout: float) -> None:
        AgiChannel.__init__(self, env, command_timeout)
        # panoramisk's Request keeps a reader and a writer; here the transport writes, _Lines reads
        fast_agi.Request.__init__(self, app=app, headers=env.values, reader=None, writer=transport,
                                  encoding="utf-8")
        self.transport = transport
        self._replies = ReplyReader()
        self._waiting: deque[asyncio.Future[AgiReply]] = deque()
        self._socket_open = True
        self._owed = 0

    async def close(self) -> None:
        self.transport.close()
        self._end(HangupCause.NORMAL)

    def _can_send_when_dead(self) -> bool:
        # Asterisk still answers GET VARIABLE after the HANGUP line, as long as the socket is open
        return self._socket_open and not self.transport.is_closing()

    async def _roundtrip(self, line: bytes, words: str, limit: float, hangup_ok: bool) -> AgiReply:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[AgiReply] = loop.create_future()
        self._waiting.append(future)
        self.transport.write(line)
        timer = loop.call_later(limit, _expire, future)     # cheaper than wait_for on this hot path
        try:
            return await future
        except TimeoutError as exc:
            # the reply may still come; this connection is out of step from now on: end it
            self._end(HangupCause.FAILED)
            self.transport.close()
            raise AgiTimeout(words, f"no reply within {limit:g} s") from exc
        finally:
            timer.cancel()

    async def send_command(self, command: str) -> dict[str, object]:   # panoramisk's signature, kept usable
        reply = await self.command(command)
        return {"status_code": reply.code, "result": (reply.result, reply.data), "msg": reply.text}

    # ---- lines from the socket (called by _Lines.data_received) ----------------------------------
    def _line(self, raw: bytes) -> None:
        try:
            reply = self._replies.feed_line(raw)
        except AgiProtocolError as exc:
            log.warning("AGI %s: %s; closing", self.env.uniqueid, exc)
            self.transport.close()
            self._socket_closed(HangupCause.FAILED)
            return
        if reply is None:
            return
        if reply == HANGUP:
            self._end(HangupCause.CALLER_HANGUP)
            return                                  # replies to commands in flight may still come
        if self._owed:
            self._owed -= 1                         # the late reply to a command already failed
        elif self._waiting:
            future = self._waiting.popleft()        # a cancelled command still owns its reply
            if not future.done():
                future.set_result(reply)            # type: ignore[arg-type]
        elif not self.dead:
            log.warning("AGI %s: reply with no command: %r", self.env.uniqueid, reply)

    def _socket_closed(self, cause: HangupCause = HangupCause.CALLER_HANGUP) -> None:
        self._socket_open = False
        self._end(cause)
        self._fail_waiting()

    def _fail_waiting(self) -> None:
        while self._waiting:
            future = self._waiting.popleft()
            self._owed += 1                         # Asterisk still answers it; skip that reply
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
        self._handlers: set[asyncio.Task[None]] = set()

    def add_route(self, path: str, endpoint: Route) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            raise TypeError(f"FastAGI route {path!r}: {endpoint!r} must be an async function")
        super().add_route(path, endpoint)

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self, host: str, port: int) -> None:
        self._server = await asyncio.get_running_loop().create_server(lambda: _Lines(self), host, port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for task in list(self._handlers):
            task.cancel()
        if self._handlers:
            await asyncio.wait(list(self._handlers))

    def _spawn(self, lines: _Lines) -> None:
        task = asyncio.get_running_loop().create_task(self._serve(lines), name=f"fastagi-{lines.peer}")
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)

    async def handler(self, reader: object, writer: object) -> None:
        raise NotImplementedError("AgiServer serves its sockets itself (see _Lines); use start()")

    async def _serve(self, lines: _Lines) -> None:
        transport = lines.transport
        assert transport is not None
        session: AgiSession | None = None
        try:
            env = await self._read_environment(lines)
            if env is None:
                return
            route = self._route.get(env.route) or self.fallback
            if route is None:
                log.error("FastAGI: no route %r (known: %s)", env.route, ", ".join(self._route))
                return
            session = AgiSession(self, env, transport, self.command_timeout)
            lines.attach(session)
            try:
                await route(session)
            except CallEnded:
                pass
            except Exception:
                log.exception("FastAGI route %r failed for %s", env.route, env.uniqueid)
        finally:
            if session is not None:
                await session.close()
            transport.close()

    async def _read_environment(self, lines: _Lines) -> AgiEnvironment | None:
        env = EnvironmentReader()
        try:
            async with asyncio.timeout(self.header_timeout):
                while not env.done:
                    raw = await lines.next_line()
                    if raw is None:
                        log.warning("FastAGI %s closed before the end of its header", lines.peer)
                        break
                    env.feed_line(raw)
                else:
                    return env.environment()
        except TimeoutError:
            log.warning("FastAGI %s: no complete header within %g s", lines.peer, self.header_timeout)
        except AgiProtocolError as exc:
            log.warning("FastAGI %s: %s", lines.peer, exc)
        self.rejected += 1
        return None
