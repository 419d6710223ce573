"""What an AGI conversation with one call is, whatever carries it (a FastAGI socket or AsyncAGI over AMI):
its environment, whether the channel is gone, and how a reply becomes a value or an exception.

Subclasses provide ``_roundtrip(line, words, limit, hangup_ok)``: send one command line, return its reply.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from caruso.drivers.asterisk.agi_protocol import AgiEnvironment, AgiReply, format_command
from caruso.drivers.asterisk.errors import AgiError, AgiInvalidCommand, AgiUsageError
from caruso.telephony.interface import CallEnded, HangupCause

log = logging.getLogger(__name__)
HANGUP_GRACE = 1.0     # how long a result=-1 waits for the hang-up notice that tells it from an error


class AgiChannel:
    def __init__(self, env: AgiEnvironment, command_timeout: float) -> None:
        self.env = env
        self.command_timeout = command_timeout
        self.ended_at: float | None = None
        self.end_cause: HangupCause | None = None
        self.hangup_seen = asyncio.Event()
        self._lock = asyncio.Lock()
        self._on_end: list[Callable[[AgiChannel], None]] = []

    @property
    def dead(self) -> bool:
        return self.ended_at is not None

    def on_end(self, callback: Callable[[AgiChannel], None]) -> None:
        self._on_end.append(callback)

    def mark_gone(self, cause: HangupCause) -> None:
        """The channel is gone (AMI said so, or Caruso hung up): fail the command in flight now."""
        self._end(cause)

    def _can_send_when_dead(self) -> bool:
        return False

    async def _roundtrip(self, line: bytes, words: str, limit: float, hangup_ok: bool) -> AgiReply:
        raise NotImplementedError

    def _fail_waiting(self) -> None:
        """Fail the command in flight (subclasses keep it)."""

    async def command(self, words: str, *arguments: str, timeout: float | None = None,
                      hangup_ok: bool = False) -> AgiReply:
        """Send one command, return its 200 reply; 510/520 raise AgiError, a dead channel CallEnded.

        ``hangup_ok``: the command makes sense on a channel that hung up (GET VARIABLE after Dial, the
        end of a RECORD FILE): it is still sent while that is possible, and ``result=-1`` is returned.
        """
        line = format_command(words, arguments)
        async with self._lock:
            if self.dead and not (hangup_ok and self._can_send_when_dead()):
                raise CallEnded(self.end_cause or HangupCause.NORMAL, f"channel gone; {words} not sent")
            limit = self.command_timeout if timeout is None else timeout
            reply = await self._roundtrip(line, words, limit, hangup_ok)
        if reply.code == 200:
            if reply.result == "-1" and not hangup_ok and await self._gone_after_failure():
                raise CallEnded(self.end_cause or HangupCause.CALLER_HANGUP, f"{words}: caller hung up")
            return reply
        if reply.code == 510:
            raise AgiInvalidCommand(words, reply.text, 510)
        if reply.code == 520:
            raise AgiUsageError(words, reply.text, 520)
        if reply.code == 511:
            self._end(HangupCause.CALLER_HANGUP)
            raise CallEnded(self.end_cause or HangupCause.CALLER_HANGUP, f"{words}: {reply.text}")
        raise AgiError(words, reply.text, reply.code)

    async def _gone_after_failure(self) -> bool:
        """``result=-1`` is "error or hang-up"; Asterisk tells a hang-up right after (the HANGUP line,
        AsyncAGIEnd), so wait a moment for it."""
        if self.dead:
            return True
        try:
            async with asyncio.timeout(HANGUP_GRACE):
                await self.hangup_seen.wait()
        except TimeoutError:
            return self.dead
        return True

    def _end(self, cause: HangupCause) -> None:
        if self.ended_at is not None:
            return
        self.ended_at, self.end_cause = time.time(), cause
        self.hangup_seen.set()
        self._fail_waiting()     # the command in flight fails at once (its -1 reply may follow later)
        for callback in self._on_end:
            try:
                callback(self)
            except Exception:
                log.exception("AGI end callback failed")
