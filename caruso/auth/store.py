"""What the auth service needs from storage (implemented by caruso/storage/users_repository.py)."""

from __future__ import annotations

from typing import Any, Protocol

from caruso.auth.roles import Role
from caruso.auth.users import AuditEntry, User


class UserStore(Protocol):
    async def find_user(self, username: str) -> tuple[User, str] | None:
        """The user and their password hash, or None."""

    async def get_user(self, user_id: int) -> User | None: ...

    async def list_users(self) -> list[User]: ...

    async def create_user(self, *, username: str, role: Role, password_hash: str, display_name: str = "",
                          agent_id: str | None = None) -> User:
        """Raises UserExists when the name is taken."""

    async def update_user(self, user_id: int, **changes: Any) -> User:
        """Changes among role, display_name, agent_id, active, password_hash; raises UserNotFound."""

    async def add_audit(self, entry: AuditEntry) -> AuditEntry: ...

    async def list_audit(self, *, limit: int = 100, before_id: int | None = None,
                         target_kind: str | None = None) -> list[AuditEntry]: ...

    async def touch_login(self, user_id: int) -> None: ...
