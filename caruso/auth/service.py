"""AuthService: log users in (with throttling), manage users, record the audit log."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from caruso import keys
from caruso.auth.errors import InvalidCredentials, LoginThrottled, UserNotFound
from caruso.auth.passwords import hash_password, needs_rehash, verify_password
from caruso.auth.roles import Role
from caruso.auth.store import UserStore
from caruso.auth.throttle import LoginThrottle
from caruso.auth.users import AuditEntry, User
from caruso.core.component import Health
from caruso.core.descriptors import ServiceContext

log = logging.getLogger(__name__)


class AuthService:
    @dataclass(frozen=True)
    class Settings:
        max_failures: int = 5        # failed logins (per user name, per address) before a lockout
        failure_window: float = 300.0
        lockout: float = 30.0        # first lockout in seconds, doubling up to max_lockout
        max_lockout: float = 900.0

    def __init__(self, ctx: ServiceContext | None = None, *, store: UserStore | None = None,
                 clock: Callable[[], float] = time.time, settings: AuthService.Settings | None = None) -> None:
        self._services = ctx.services if ctx is not None else None
        cfg = settings or (ctx.settings if ctx is not None and ctx.settings is not None else self.Settings())
        self._clock = clock
        self.throttle = LoginThrottle(time.monotonic, max_failures=cfg.max_failures, window=cfg.failure_window,
                                      lockout=cfg.lockout, max_lockout=cfg.max_lockout)
        self._store = store
        self._consent_sub: Any = None

    @property
    def store(self) -> UserStore:
        if self._store is None:
            raise RuntimeError("the auth service is not started")
        return self._store

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        if self._store is None and self._services is not None:
            from caruso.storage.users_repository import UsersRepository

            self._store = UsersRepository(self._services.get(keys.STORAGE).database)
            bus = self._services.find(keys.EVENTS)
            if bus is not None:
                from caruso.storage.events import ConsentChanged

                self._consent_sub = bus.subscribe(self._consent_changed, (ConsentChanged,), name="audit-consent")
            config = self._services.find(keys.CONFIG)
            if config is not None and config.server.demo:
                from caruso.auth.demo import create_demo_users

                await create_demo_users(self, self._services.get(keys.STORAGE).database)
        try:
            yield
        finally:
            if self._consent_sub is not None:
                self._consent_sub.close()
                self._consent_sub = None

    def health(self) -> Health:
        return Health.ok() if self._store is not None else Health.down("not started")

    # logging in ---------------------------------------------------------------------------------
    async def authenticate(self, username: str, password: str, address: str) -> User:
        wait = self.throttle.retry_after(username, address)
        if wait > 0:
            raise LoginThrottled(wait)
        found = await self.store.find_user(username.strip())
        user, stored = found if found is not None else (None, None)
        ok = verify_password(stored, password)  # runs Argon2 even for unknown users
        if not ok or user is None or not user.active:
            self.throttle.failed(username, address)
            log.warning("failed login for %r from %s", username, address)
            raise InvalidCredentials()
        self.throttle.succeeded(username, address)
        await self.store.touch_login(user.id)
        if stored is not None and needs_rehash(stored):
            await self.store.update_user(user.id, password_hash=hash_password(password))
        return user

    async def current(self, user_id: int) -> User | None:
        """The user behind a session, None if removed or deactivated since (the session is then void)."""
        user = await self.store.get_user(user_id)
        return user if user is not None and user.active else None

    # managing users -----------------------------------------------------------------------------
    async def create_user(self, username: str, password: str, role: Role, *, display_name: str = "",
                          agent_id: str | None = None, actor: str | None = None,
                          remote_addr: str | None = None) -> User:
        user = await self.store.create_user(username=username.strip(), role=role,
                                            password_hash=hash_password(password),
                                            display_name=display_name, agent_id=agent_id)
        await self.audit(actor, "user.create", f"user:{user.username}",
                         {"role": role.value, "agent_id": agent_id}, remote_addr=remote_addr)
        return user

    async def update_user(self, user_id: int, *, actor: str | None, password: str | None = None,
                          remote_addr: str | None = None, **changes: Any) -> User:
        if await self.store.get_user(user_id) is None:
            raise UserNotFound(f"no user with id {user_id}")
        if password is not None:
            changes["password_hash"] = hash_password(password)
        user = await self.store.update_user(user_id, **changes)
        shown = {k: (v.value if isinstance(v, Role) else v) for k, v in changes.items() if k != "password_hash"}
        if password is not None:
            shown["password"] = "changed"
        await self.audit(actor, "user.update", f"user:{user.username}", shown, remote_addr=remote_addr)
        return user

    async def list_users(self) -> list[User]:
        return await self.store.list_users()

    # audit log ----------------------------------------------------------------------------------
    async def audit(self, actor: str | None, action: str, target: str = "", details: dict[str, Any] | None = None,
                    *, remote_addr: str | None = None) -> AuditEntry:
        """Record who changed what; *target* is "kind:id" (e.g. "queue:sales")."""
        kind, _, ident = target.partition(":")
        entry = await self.store.add_audit(AuditEntry(at=self._clock(), actor=actor, action=action,
                                                      target_kind=kind or None, target_id=ident or None,
                                                      details=details or {}, remote_addr=remote_addr))
        log.info("audit: %s %s %s", actor or "(system)", action, target)
        return entry

    async def _consent_changed(self, event: Any) -> None:
        """Consent changes (web, phone, dialer dispositions) go into the audit log as well."""
        target = (f"customer:{event.customer_object}/{event.customer_key}" if event.customer_object
                  else f"address:{event.address}")
        await self.audit(None, "consent.change", target, {"channel": event.channel, "purpose": event.purpose,
                                                          "status": event.status})

    async def audit_log(self, *, limit: int = 100, before_id: int | None = None,
                        target_kind: str | None = None) -> list[AuditEntry]:
        return await self.store.list_audit(limit=limit, before_id=before_id, target_kind=target_kind)
