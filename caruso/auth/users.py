"""What the auth service hands out: users without their password hash, and audit entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from caruso.auth.roles import Role


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    role: Role
    display_name: str = ""
    agent_id: str | None = None   # the ACD agent this user works as (agents; supervisors may have one)
    active: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username, "role": self.role.value,
                "display_name": self.display_name or self.username, "agent_id": self.agent_id,
                "active": self.active}


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: float
    actor: str | None      # user name; None: the system
    action: str            # e.g. "queue.update", "agent.create", "script.upload", "consent.withdraw"
    target_kind: str | None = None   # e.g. "queue"
    target_id: str | None = None     # e.g. "sales"
    details: dict[str, Any] = field(default_factory=dict)
    remote_addr: str | None = None
    id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at, "actor": self.actor, "action": self.action,
                "target_kind": self.target_kind, "target_id": self.target_id, "details": self.details,
                "remote_addr": self.remote_addr}
