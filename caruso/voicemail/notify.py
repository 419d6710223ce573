"""The e-mail notice of a new message, sent through the mailer service (recording attached)."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from caruso.storage.calls_repository import VoicemailRecord


def notice_text(record: VoicemailRecord) -> tuple[str, str]:
    subject = f"New voicemail in {record.mailbox} from {record.caller_number or 'an unknown caller'}"
    body = (f"Mailbox: {record.mailbox}\nFrom: {record.caller_number or 'unknown'}\n"
            f"Length: {record.duration_seconds:.0f} s\nReceived: {record.created_at:%Y-%m-%d %H:%M} UTC\n"
            f"Message id: {record.id}\n")
    return subject, body


LISTEN_PATH = "/api/voicemail/{id}/audio"


async def send_notice(mailer: Any, address: str, record: VoicemailRecord, *, attach: bool = True,
                      base_url: str = "") -> None:
    """Send the notice; the recording is attached when the mailer takes attachments, and always linked."""
    subject, body = notice_text(record)
    body += f"Listen: {base_url}{LISTEN_PATH.format(id=record.id)}\n"
    kwargs: dict[str, Any] = {}
    if attach and Path(record.path).exists() and "attachments" in inspect.signature(mailer.send).parameters:
        kwargs["attachments"] = [(Path(record.path).name, Path(record.path).read_bytes(), "audio/wav")]
    await mailer.send(to=[address], subject=subject, body=body, **kwargs)
