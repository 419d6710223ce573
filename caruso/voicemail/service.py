"""``VoicemailService`` (service ``voicemail``): take a message on a call, store it, tell the mailbox owner.

``leave(call, mailbox)`` plays the greeting (the mailbox's WAV file, else its text through TTS), beeps,
records until silence / max length / ``#`` / hang-up, renames the file into place, stores the metadata
(``voicemails`` table), appends the customer's contact history and mails a notice with the recording
attached through the mailer service.  Listen/delete: ``messages``, ``get``, ``mark_listened``, ``delete``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from caruso.core.component import Health
from caruso.drivers.sip.audio import duration
from caruso.events.base import Event
from caruso.keys import EVENTS, MAILER, STORAGE
from caruso.storage.calls_repository import CallsRepository, VoicemailRecord
from caruso.storage.history import ContactEvent
from caruso.telephony.interface import Call, CallEnded, Prompt
from caruso.voicemail import files
from caruso.voicemail.notify import send_notice

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class VoicemailLeft(Event):
    kind: ClassVar[str] = "voicemail.left"
    voicemail_id: int
    mailbox: str
    call_id: str = ""
    caller: str = ""
    duration: float = 0.0


@dataclass(frozen=True)
class VoicemailSettings:
    directory: str = "voicemail"                 # under the data directory
    greeting: str = "Please leave your message after the tone. Press hash when you are done."
    greetings_dir: str = ""                      # <mailbox>.wav files here replace the spoken greeting
    max_seconds: float = 120.0
    silence_seconds: float = 5.0
    min_seconds: float = 0.5                     # shorter messages (hang-up at the tone) are not kept
    # mailbox -> e-mail address of its owner ("queue:billing", "agent:alice", or a bare name)
    notify: dict[str, str] = field(default_factory=dict)
    attach: bool = True
    base_url: str = ""                           # prefix of the listen link in notices (the web address)


class VoicemailService:
    Settings = VoicemailSettings

    def __init__(self, ctx: Any) -> None:
        self.settings: VoicemailSettings = ctx.settings or VoicemailSettings()
        self._services = ctx.services
        self.root = Path(ctx.config.data_dir) / self.settings.directory
        self._repo: CallsRepository | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        self._repo = CallsRepository(self._services.get(STORAGE).database)
        for folder, path in files.recover(self.root):
            mailbox = folder.replace("-", ":", 1)
            record = await self._repo.add_voicemail(mailbox=mailbox, path=str(path), duration_seconds=duration(path))
            log.warning("voicemail recovered after a crash: %s (id %s)", path, record.id)
        try:
            yield
        finally:
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)

    def health(self) -> Health:
        return Health.ok() if self._repo is not None else Health.down("not started")

    @property
    def repo(self) -> CallsRepository:
        if self._repo is None:
            raise RuntimeError("the voicemail service is not started")
        return self._repo

    def greeting(self, mailbox: str, text: str | None = None) -> Prompt:
        if self.settings.greetings_dir:
            path = files.mailbox_dir(Path(self.settings.greetings_dir), mailbox).with_suffix(".wav")
            if path.exists():
                return Prompt(file=path)
        return Prompt(text=text or self.settings.greeting)

    async def leave(self, call: Call, mailbox: str, *, greeting: str | None = None, queue: str | None = None,
                    agent: str | None = None, customer: tuple[str, str] | None = None) -> VoicemailRecord | None:
        """Take a message; returns its record, or None when nothing worth keeping was said."""
        started = datetime.now(UTC)
        try:
            await call.play(self.greeting(mailbox, greeting))
        except CallEnded:
            return None
        part = files.new_part(self.root, mailbox, call.id)
        try:
            recording = await call.record(part, max_seconds=self.settings.max_seconds,
                                          silence_seconds=self.settings.silence_seconds, beep=True)
            length = recording.duration
        except CallEnded:
            length = 0.0
        if not part.exists() or part.stat().st_size <= 44:
            part.unlink(missing_ok=True)
            return None
        length = duration(part) or length
        if length < self.settings.min_seconds:
            part.unlink(missing_ok=True)
            return None
        path = files.complete(part)
        record = await self.repo.add_voicemail(mailbox=mailbox, path=str(path), duration_seconds=length,
                                               call_id=call.id, caller_number=call.caller, queue=queue, agent=agent)
        storage = self._services.get(STORAGE)
        if customer is None and call.caller:
            found = await storage.identify_caller(call.caller)
            customer = found[0].ref if found else None
        await storage.record_contact(ContactEvent(
            kind="voicemail", channel="phone", started_at=started, ended_at=datetime.now(UTC), customer=customer,
            address=call.caller or None, queue=queue, agent=agent, outcome="voicemail",
            summary=f"voicemail in {mailbox} ({length:.0f} s)", detail_kind="voicemail", detail_ref=str(record.id),
            call_id=call.id))
        bus = self._services.find(EVENTS)
        if bus is not None:
            bus.publish(VoicemailLeft(voicemail_id=record.id, mailbox=mailbox, call_id=call.id, caller=call.caller,
                                      duration=length))
        self._spawn(self._notify(record))
        return record

    async def _notify(self, record: VoicemailRecord) -> None:
        address = self.settings.notify.get(record.mailbox) or self.settings.notify.get(record.mailbox.split(":")[-1])
        mailer = self._services.find(MAILER)
        if not address or mailer is None:
            return
        try:
            await send_notice(mailer, address, record, attach=self.settings.attach, base_url=self.settings.base_url)
            await self.repo.mark_notified(record.id, datetime.now(UTC))
        except Exception as exc:   # the message is stored; a mail failure is logged, not fatal
            log.warning("voicemail %s: notice to %s failed: %s", record.id, address, exc)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_notified(self) -> None:
        """Wait for the pending e-mail notices (tests, shutdown)."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # listen / delete ----------------------------------------------------------------------------
    async def messages(self, mailbox: str | None = None) -> list[VoicemailRecord]:
        return await self.repo.voicemails(mailbox)

    async def get(self, voicemail_id: int) -> VoicemailRecord | None:
        return await self.repo.get_voicemail(voicemail_id)

    async def mark_listened(self, voicemail_id: int, by: str) -> None:
        await self.repo.mark_listened(voicemail_id, by, datetime.now(UTC))

    async def delete(self, voicemail_id: int) -> bool:
        record = await self.repo.delete_voicemail(voicemail_id)
        if record is None:
            return False
        Path(record.path).unlink(missing_ok=True)
        return True
