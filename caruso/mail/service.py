"""MailerService: ``await mailer.send(to=[...], subject=..., body=...)`` over SMTP.

Settings come from ``[mail]`` in caruso.toml (host, port, sender, username, password, starttls,
use_tls, timeout).  One connection per message: a call center sends few mails, and a fresh
connection never carries a stale session.  Health reports the last failure.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import aiosmtplib

from caruso.config import MailSettings
from caruso.core.component import Health
from caruso.core.descriptors import ServiceContext
from caruso.mail.errors import MailError
from caruso.mail.message import build_message

log = logging.getLogger(__name__)


class MailerService:
    def __init__(self, ctx: ServiceContext | None = None, *, settings: MailSettings | None = None) -> None:
        if settings is None:
            settings = ctx.config.mail if ctx is not None else MailSettings()
        self.settings = settings
        self.sent = 0
        self.last_error: str | None = None

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        yield

    def health(self) -> Health:
        where = f"smtp://{self.settings.host}:{self.settings.port}"
        if self.last_error is not None:
            return Health.degraded(f"{where}: last send failed: {self.last_error}")
        return Health.ok(f"{where}, {self.sent} sent")

    async def send(self, *, to: Iterable[str], subject: str, body: str, cc: Iterable[str] = (),
                   reply_to: str | None = None, sender: str | None = None) -> str:
        """Send one message; returns its Message-ID.  Raises MailError (with the server's reason)."""
        s = self.settings
        msg = build_message(sender=sender or s.sender, to=to, cc=cc, subject=subject, body=body, reply_to=reply_to)
        try:
            await aiosmtplib.send(
                msg, hostname=s.host, port=s.port, username=s.username or None, password=s.password or None,
                start_tls=s.starttls, use_tls=s.use_tls, timeout=s.timeout)
        except asyncio.CancelledError:
            raise
        except (aiosmtplib.SMTPException, OSError) as exc:
            self.last_error = str(exc) or type(exc).__name__
            log.warning("sending mail to %s failed: %s", msg["To"], self.last_error)
            raise MailError(f"sending the e-mail failed: {self.last_error}") from exc
        self.sent += 1
        self.last_error = None
        return str(msg["Message-ID"])
