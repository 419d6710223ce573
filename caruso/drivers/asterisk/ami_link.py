"""The AMI connection supervisor: one task that connects, logs in, resynchronises, pumps events, and on
any failure backs off (capped, jittered) and starts again.

Why not ``panoramisk.Manager``: it reconnects with ``call_later`` callbacks outside any task we own,
dispatches events with fire-and-forget ``ensure_future`` (losing per-call order), has no time-out on
actions, guesses list replies from the message text (hangs on PlayDTMF/QueueAdd), and replays every
unanswered action after a reconnect, Originate included.  Here: pending actions fail with
``AmiLinkLost`` on a drop, only actions sent with ``idempotent=True`` wait for the next link and are sent
again, every action and every read has a time-out, and events are handed over in wire order.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from caruso.drivers.asterisk.ami_protocol import ActionReply, AmiMessage, AmiParser, ReplyCollector, serialize_action
from caruso.drivers.asterisk.sockets import keep_alive
from caruso.drivers.asterisk.errors import (
    AmiActionFailed, AmiError, AmiLinkLost, AmiLoginFailed, AmiNotConnected, AmiTimeout,
)

log = logging.getLogger(__name__)

Fields = Mapping[str, "str | list[str]"]


@dataclass(frozen=True)
class LinkOptions:
    host: str = "127.0.0.1"
    port: int = 5038
    username: str = "caruso"
    secret: str = ""
    connect_timeout: float = 5.0
    action_timeout: float = 10.0
    ping_interval: float = 20.0
    backoff_initial: float = 0.5
    backoff_max: float = 30.0


def backoff_delay(attempt: int, initial: float, cap: float, rng: Callable[[], float] = random.random) -> float:
    """Exponential, capped, with jitter in [50 %, 100 %] so many clients do not reconnect in step."""
    base = min(cap, initial * (2 ** min(attempt, 30)))
    return base * (0.5 + rng() / 2)


async def _finish(task: asyncio.Task[None]) -> None:
    """Cancel and wait for a helper task without swallowing our own cancellation."""
    task.cancel()
    await asyncio.wait([task])
    if not task.cancelled():
        task.exception()          # retrieved: the session's outcome already says what happened


@dataclass
class _Pending:
    action: str
    fields: Fields
    idempotent: bool
    future: asyncio.Future[ActionReply]
    action_id: str | None = None
    sent_as: str | None = None        # the ActionID it was last written with


class AmiLink:
    """``await link.run()`` in a tracked task; ``await link.send(...)`` from anywhere."""

    def __init__(self, options: LinkOptions, *, on_event: Callable[[AmiMessage], None],
                 on_ready: Callable[[AmiLink], Awaitable[None]] | None = None,
                 on_down: Callable[[str], None] | None = None,
                 rng: Callable[[], float] = random.random) -> None:
        self.options = options
        self._on_event = on_event
        self._on_ready = on_ready
        self._on_down = on_down
        self._rng = rng
        self._ids = itertools.count(1)
        self._prefix = uuid.uuid4().hex[:8]
        self._writer: asyncio.StreamWriter | None = None
        self._collector = ReplyCollector()
        self._pending: dict[str, _Pending] = {}
        self._replay: list[_Pending] = []
        self._up = asyncio.Event()
        self.state = "stopped"
        self.reason = ""
        self.version = ""
        self.sessions = 0               # how many times the link came up (tests and health)
        self.login_failures = 0
        self.next_retry_at: float | None = None

    # ---- public -------------------------------------------------------------------------------
    @property
    def is_up(self) -> bool:
        return self._up.is_set()

    async def wait_up(self, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            await self._up.wait()

    async def send(self, action: str, fields: Fields | None = None, *, timeout: float | None = None,
                   idempotent: bool = False, check: bool = True, action_id: str | None = None) -> ActionReply:
        """Send an action and wait for its whole reply (list replies included).

        While the link is down a non-idempotent action fails at once (``AmiNotConnected``); an idempotent
        one waits for the link within its time-out.  ``check`` turns ``Response: Error`` into
        ``AmiActionFailed``.  *action_id* is for actions whose later events carry it (OriginateResponse).
        """
        timeout = self.options.action_timeout if timeout is None else timeout
        pending = _Pending(action, dict(fields or {}), idempotent, asyncio.get_running_loop().create_future(),
                           action_id)
        try:
            async with asyncio.timeout(timeout):
                if not self.is_up and action != "Login":
                    if not idempotent:
                        raise AmiNotConnected(f"AMI link is {self.state} ({self.reason}); {action} not sent")
                    await self._up.wait()
                self._write(pending)
                reply = await pending.future
        except TimeoutError as exc:
            raise AmiTimeout(f"AMI {action}: no answer within {timeout:g} s") from exc
        finally:
            self._drop_pending(pending)
        if check and not reply.ok:
            raise AmiActionFailed(action, reply.message or reply.response.response)
        return reply

    async def run(self) -> None:
        """The supervisor loop.  Cancel the task to stop."""
        attempt = 0
        try:
            while True:
                self.state, self.next_retry_at = "connecting", None
                try:
                    await self._session()
                    self.reason = "connection closed by Asterisk"
                except AmiLoginFailed as exc:
                    self.state, self.reason = "login_failed", str(exc)
                    self.login_failures += 1
                    log.error("%s", exc)
                except (OSError, AmiError, ConnectionError, TimeoutError, ValueError) as exc:
                    self.reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                    log.warning("AMI link to %s:%s lost: %s", self.options.host, self.options.port, self.reason)
                except Exception as exc:          # a bug here must not end supervision: log, back off, retry
                    self.reason = f"{type(exc).__name__}: {exc}"
                    log.exception("AMI session failed unexpectedly")
                finally:
                    was_up = self._up.is_set()
                    self._link_lost()
                    if was_up:
                        attempt = 0
                        if self._on_down is not None:
                            self._on_down(self.reason)
                if self.state != "login_failed":
                    self.state = "down"
                delay = backoff_delay(attempt, self.options.backoff_initial, self.options.backoff_max, self._rng)
                attempt += 1
                self.next_retry_at = time.time() + delay
                await asyncio.sleep(delay)
        finally:
            self.state = "stopped"
            self._link_lost(final=True)

    # ---- one connection -----------------------------------------------------------------------
    async def _session(self) -> None:
        opts = self.options
        reader, writer = await asyncio.wait_for(asyncio.open_connection(opts.host, opts.port), opts.connect_timeout)
        keep_alive(writer)
        self._writer = writer
        parser = AmiParser()
        pump = asyncio.create_task(self._pump(reader, parser), name="ami-pump")
        pinger: asyncio.Task[None] | None = None
        try:
            self.state = "logging_in"
            reply = await self.send("Login", {"Username": opts.username, "Secret": opts.secret, "Events": "on"},
                                    check=False)
            if not reply.ok:
                raise AmiLoginFailed(f"AMI login as {opts.username!r} at {opts.host}:{opts.port} refused: "
                                     f"{reply.message or reply.response.response}")
            self.version = parser.version
            self.state = "resyncing"
            self._up.set()                       # resync actions need the link; state says not ready yet
            self._resend_idempotent()
            if self._on_ready is not None:
                await self._on_ready(self)
            self.state, self.reason = "up", ""
            self.sessions += 1
            pinger = asyncio.create_task(self._pinger(), name="ami-pinger")
            await pump
        except AmiLinkLost:
            # an action failed because the pump ended: the pump's own error says why
            if pump.done() and not pump.cancelled() and pump.exception() is not None:
                raise pump.exception() from None  # type: ignore[misc]
            raise
        finally:
            for task in (pinger, pump):
                if task is not None:
                    await _finish(task)
            writer.close()
            with contextlib.suppress(OSError, ConnectionError):
                await writer.wait_closed()

    async def _pump(self, reader: asyncio.StreamReader, parser: AmiParser) -> None:
        read_timeout = self.options.ping_interval + self.options.action_timeout
        try:
            while True:
                try:
                    # asyncio.timeout, not wait_for: on 3.11 wait_for drops a cancellation that comes as the read
                    # completes, and this loop would read on and never stop
                    async with asyncio.timeout(read_timeout):
                        data = await reader.read(65536)
                except TimeoutError as exc:
                    raise AmiTimeout(f"nothing read from AMI for {read_timeout:g} s") from exc
                if not data:
                    raise ConnectionError("AMI connection closed by Asterisk")
                for message in parser.feed(data):
                    self._handle(message)
        finally:
            self._fail_pending(AmiLinkLost("AMI link dropped before the answer came"))

    def _handle(self, message: AmiMessage) -> None:
        done = self._collector.offer(message)
        if done is None:
            if message.is_event:
                try:
                    self._on_event(message)
                except Exception:
                    log.exception("AMI event handler failed on %s", message.event)
            return
        if done is True:
            return
        action_id, reply = done
        pending = self._pending.get(action_id)
        if pending is not None and not pending.future.done():
            pending.future.set_result(reply)

    async def _pinger(self) -> None:
        while True:
            await asyncio.sleep(self.options.ping_interval)
            try:
                await self.send("Ping", idempotent=True)
            except AmiTimeout:
                log.warning("AMI Ping unanswered: closing the link to reconnect")
                if self._writer is not None:
                    self._writer.close()          # the pump then sees the end of the stream
                return

    # ---- pending bookkeeping -------------------------------------------------------------------
    def _write(self, pending: _Pending) -> None:
        writer = self._writer
        if writer is None or writer.is_closing():
            raise AmiNotConnected(f"AMI link is {self.state}; {pending.action} not sent")
        action_id = pending.action_id or f"caruso-{self._prefix}-{next(self._ids)}"
        pending.sent_as = action_id
        self._pending[action_id] = pending
        self._collector.expect(action_id)
        writer.write(serialize_action(pending.action, action_id, pending.fields))

    def _drop_pending(self, pending: _Pending) -> None:
        if pending.sent_as is not None and self._pending.get(pending.sent_as) is pending:
            del self._pending[pending.sent_as]
            self._collector.forget(pending.sent_as)
        if pending in self._replay:
            self._replay.remove(pending)

    def _fail_pending(self, error: AmiError) -> None:
        for action_id, pending in list(self._pending.items()):
            self._collector.forget(action_id)
            del self._pending[action_id]
            if pending.future.done():
                continue
            if pending.idempotent:
                self._replay.append(pending)      # sent again once logged in
            else:
                pending.future.set_exception(error)

    def _resend_idempotent(self) -> None:
        replay, self._replay = self._replay, []
        for pending in replay:
            if not pending.future.done():
                self._write(pending)

    def _link_lost(self, final: bool = False) -> None:
        self._up.clear()
        self._writer = None
        self._fail_pending(AmiLinkLost("AMI link dropped before the answer came"))
        if final:
            for pending in self._replay:
                if not pending.future.done():
                    pending.future.set_exception(AmiNotConnected("AMI link stopped"))
            self._replay = []
