"""Build an e-mail message (pure)."""

from __future__ import annotations

import email.utils
from collections.abc import Iterable
from email.headerregistry import Address
from email.message import EmailMessage

from caruso.mail.errors import MailError


def _check(addresses: Iterable[str], field: str) -> list[str]:
    out = []
    for raw in addresses:
        if "\r" in raw or "\n" in raw or raw.count("@") != 1:  # header injection, or several addresses in one
            raise MailError(f"{field}: {raw!r} is not an e-mail address")
        name, addr = email.utils.parseaddr(raw)
        if "@" not in addr or any(c in addr for c in " \r\n<>,;"):
            raise MailError(f"{field}: {raw!r} is not an e-mail address")
        try:
            Address(addr_spec=addr)
        except (ValueError, IndexError) as exc:
            raise MailError(f"{field}: {raw!r} is not an e-mail address") from exc
        out.append(email.utils.formataddr((name, addr)) if name else addr)
    return out


def build_message(*, sender: str, to: Iterable[str], subject: str, body: str, cc: Iterable[str] = (),
                  reply_to: str | None = None, domain: str | None = None) -> EmailMessage:
    to_list, cc_list = _check(to, "to"), _check(cc, "cc")
    if not to_list:
        raise MailError("to: no recipient")
    (from_addr,) = _check([sender], "from")
    if "\n" in subject or "\r" in subject:
        subject = " ".join(subject.split())
    msg = EmailMessage()
    msg["From"] = from_addr
    msg["To"] = ", ".join(to_list)
    if cc_list:
        msg["Cc"] = ", ".join(cc_list)
    if reply_to:
        msg["Reply-To"] = _check([reply_to], "reply_to")[0]
    msg["Subject"] = subject
    msg["Date"] = email.utils.formatdate(localtime=True)
    msg["Message-ID"] = email.utils.make_msgid(domain=domain or from_addr.rpartition("@")[2].rstrip(">"))
    msg.set_content(body)
    return msg
