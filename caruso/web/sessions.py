"""Server-side sessions: the cookie holds only an unguessable id (HttpOnly, SameSite=Strict, Secure when
configured); the data stays in this process.  Logging out really revokes the session, a stolen cookie
dies with it, and an idle session expires after ``web.session_idle`` seconds.  A restart logs everyone
out, which is acceptable for one server process.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

COOKIE = "caruso_session"

# aiohttp >= 3.13 wants typed request keys; older ones take strings
_RequestKey = getattr(web, "RequestKey", None)
SESSION_KEY: Any = _RequestKey("caruso_session", object) if _RequestKey else "caruso.session"


class Session(dict[str, Any]):
    """The session's data; ``changed`` tells the middleware to save it."""

    def __init__(self, identity: str | None, data: dict[str, Any] | None = None) -> None:
        super().__init__(data or {})
        self.identity = identity
        self.loaded_identity = identity
        self.changed = False

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self.changed = True

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self.changed = True

    def invalidate(self) -> None:
        self.clear()
        self.identity = None
        self.changed = True

    def renew(self) -> None:
        """Forget everything and take a new id at save time (log in: no session fixation)."""
        self.invalidate()


class MemorySessionStorage:
    def __init__(self, *, idle: int, secure: bool, max_sessions: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.idle = idle
        self.secure = secure
        self.max_sessions = max_sessions
        self._clock = clock
        # id -> [last seen, data]; kept in least-recently-used order so eviction is O(1)
        self._sessions: OrderedDict[str, list[Any]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._sessions)

    def load(self, request: web.Request) -> Session:
        key = request.cookies.get(COOKIE)
        entry = self._sessions.get(key) if key else None
        now = self._clock()
        if key is None or entry is None or now - entry[0] > self.idle:
            if key:
                self._sessions.pop(key, None)
            return Session(None)
        entry[0] = now
        self._sessions.move_to_end(key)
        return Session(key, entry[1])

    def save(self, session: Session, response: web.StreamResponse) -> None:
        if session.loaded_identity and session.loaded_identity != session.identity:
            self._sessions.pop(session.loaded_identity, None)   # replaced (login) or ended (logout)
        if not session:
            if session.loaded_identity:
                response.del_cookie(COOKIE, path="/")
            return
        if session.identity is None:
            session.identity = secrets.token_urlsafe(32)
            response.set_cookie(COOKIE, session.identity, path="/", httponly=True, samesite="Strict",
                                secure=self.secure or None)
        self._sessions[session.identity] = [self._clock(), dict(session)]
        self._sessions.move_to_end(session.identity)
        while len(self._sessions) > self.max_sessions:
            self._sessions.popitem(last=False)

    def revoke_user(self, user_id: int) -> int:
        """Drop every session of a user (deactivated, password or role changed); returns how many."""
        doomed = [k for k, (_, data) in self._sessions.items() if data.get("uid") == user_id]
        for key in doomed:
            del self._sessions[key]
        return len(doomed)


def get_session(request: web.Request) -> Session:
    session = request.get(SESSION_KEY)
    if session is None:
        raise RuntimeError("the session middleware is not installed")
    return session  # type: ignore[no-any-return]


def session_middleware(storage: MemorySessionStorage) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        session = storage.load(request)
        request[SESSION_KEY] = session
        try:
            response = await handler(request)
        except web.HTTPException as exc:   # redirects after login/logout carry the cookie too
            if session.changed:
                storage.save(session, exc)
            raise
        if session.changed:
            if response.prepared:
                raise RuntimeError("a session changed after its response was sent")
            storage.save(session, response)
        return response
    return middleware
