"""Recording reads and changes of customer data in the audit log (the auth service's append-only table).

Entries name the customer by object and key (``Customer:42``), never by name, number or address, and say
which attributes changed, not their values: the audit log keeps no more personal data than it needs.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from caruso import keys
from caruso.auth.users import AuditEntry

log = logging.getLogger(__name__)

# actions on customer data (besides the admin actions the web app already records)
CUSTOMER_VIEW = "customer.view"          # a customer's record shown (screen pop, admin page, API)
CUSTOMER_UPDATE = "customer.update"      # a customer's record changed
RECORDING_PLAY = "recording.play"        # a voicemail or call recording played
ERASE = "privacy.erase"
ERASE_DRY_RUN = "privacy.erase_dry_run"
EXPORT = "privacy.export"
RETENTION = "privacy.retention"


def target(ref: tuple[str, str]) -> str:
    return f"{ref[0]}:{ref[1]}"


async def record(services: Any, actor: str | None, action: str, target: str, details: dict[str, Any] | None = None,
                 *, remote_addr: str | None = None) -> None:
    """Append an audit entry through the auth service, or straight to storage when it does not run (CLI)."""
    auth = services.find(keys.AUTH) if services is not None else None
    if auth is not None:
        await auth.audit(actor, action, target, details, remote_addr=remote_addr)
        return
    storage = services.find(keys.STORAGE) if services is not None else None
    if storage is None or not hasattr(storage, "database"):
        log.warning("audit entry lost (no auth or storage service): %s %s %s", actor, action, target)
        return
    await append(storage, actor, action, target, details, remote_addr=remote_addr)


async def append(storage: Any, actor: str | None, action: str, target: str, details: dict[str, Any] | None = None,
                 *, remote_addr: str | None = None) -> None:
    from caruso.storage.users_repository import UsersRepository

    kind, _, ident = target.partition(":")
    await UsersRepository(storage.database).add_audit(AuditEntry(
        at=time.time(), actor=actor, action=action, target_kind=kind or None, target_id=ident or None,
        details=details or {}, remote_addr=remote_addr))
    log.info("audit: %s %s %s", actor or "(system)", action, target)
