"""AsyncAGI: the dialplan does ``AGI(agi:async)`` and the call is driven over the AMI link.

Asterisk announces the call with ``Event: AsyncAGIStart`` (``Env:`` holds the URL-encoded ``agi_*``
block), takes commands with ``Action: AGI`` (Channel, Command, CommandID), answers each with
``Event: AsyncAGIExec`` (CommandID, ``Result:`` URL-encoded reply line) and says ``AsyncAGIEnd`` when the
channel leaves AGI.  The replies are the same lines FastAGI sends, so the same parser reads them.

While the AMI link is down an AsyncAGI call cannot be driven: its command fails (``CallError``) and the
resync after reconnecting decides whether the call is still up.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any
from urllib.parse import unquote

from caruso.drivers.asterisk.agi_channel import AgiChannel
from caruso.drivers.asterisk.agi_protocol import AgiEnvironment, AgiReply, ReplyReader, parse_environment
from caruso.drivers.asterisk.ami_protocol import AmiMessage
from caruso.drivers.asterisk.errors import AgiError, AgiTimeout, AmiError
from caruso.telephony.interface import CallEnded, HangupCause


def environment_of(event: AmiMessage) -> AgiEnvironment:
    """The environment of an ``AsyncAGIStart`` event."""
    return parse_environment(unquote(event.get("Env")).encode("utf-8"))


def reply_of(event: AmiMessage) -> AgiReply:
    """The reply line(s) in an ``AsyncAGIExec`` event."""
    reader = ReplyReader()
    for line in unquote(event.get("Result")).encode("utf-8").splitlines(keepends=True):
        reply = reader.feed_line(line)
        if isinstance(reply, AgiReply):
            return reply
    raise AgiError(event.get("CommandID"), f"unreadable AsyncAGI result {event.get('Result')!r}")


class AsyncAgiSession(AgiChannel):
    def __init__(self, link: Any, env: AgiEnvironment, command_timeout: float) -> None:
        super().__init__(env, command_timeout)
        self._link = link
        self._ids = itertools.count(1)
        self._waiting: dict[str, asyncio.Future[AgiReply]] = {}

    def start(self) -> None:
        return None

    async def close(self) -> None:
        self._end(HangupCause.NORMAL)

    def _can_send_when_dead(self) -> bool:
        return False            # after AsyncAGIEnd Asterisk takes no more commands for the channel

    async def _roundtrip(self, line: bytes, words: str, limit: float, hangup_ok: bool) -> AgiReply:
        command_id = f"{self.env.uniqueid}-{next(self._ids)}"
        future: asyncio.Future[AgiReply] = asyncio.get_running_loop().create_future()
        self._waiting[command_id] = future
        try:
            async with asyncio.timeout(limit):
                await self._link.send("AGI", {"Channel": self.env.channel, "CommandID": command_id,
                                              "Command": line.decode("utf-8").rstrip("\n")})
                return await future
        except TimeoutError as exc:
            raise AgiTimeout(words, f"no AsyncAGIExec within {limit:g} s") from exc
        except AmiError as exc:
            raise AgiError(words, f"AsyncAGI over AMI: {exc}") from exc
        finally:
            self._waiting.pop(command_id, None)

    def on_exec(self, event: AmiMessage) -> None:
        future = self._waiting.get(event.get("CommandID"))
        if future is not None and not future.done():
            try:
                future.set_result(reply_of(event))
            except AgiError as exc:
                future.set_exception(exc)

    def agi_ended(self) -> None:
        self._end(HangupCause.CALLER_HANGUP)

    def _fail_waiting(self) -> None:
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(CallEnded(self.end_cause or HangupCause.CALLER_HANGUP))
