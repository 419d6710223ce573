"""The three roles.  Each includes the rights of the ones below it: admin > supervisor > agent."""

from __future__ import annotations

import enum


class Role(str, enum.Enum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def permits(self, required: Role) -> bool:
        """True when a user with this role may do what *required* allows."""
        return self.rank >= required.rank

    @classmethod
    def parse(cls, text: str) -> Role:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ValueError(f"unknown role {text!r}; expected one of agent, supervisor, admin") from None


_RANK = {Role.AGENT: 1, Role.SUPERVISOR: 2, Role.ADMIN: 3}
