"""Server-side sessions: the cookie holds only an unguessable id (HttpOnly, SameSite=Strict, Secure when
configured); the data stays in this process.  Logging out really revokes the session, a stolen cookie
dies with it, and an idle session expires after ``web.session_idle`` seconds.  A restart logs everyone
out, which is acceptable for one server process.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp_session import AbstractStorage, Session

_LOADED_KEY = "caruso.session_id"


class MemorySessionStorage(AbstractStorage):
    def __init__(self, *, idle: int, secure: bool, max_sessions: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(cookie_name="caruso_session", max_age=None, httponly=True, samesite="Strict",
                         secure=secure)
        self.idle = idle
        self.max_sessions = max_sessions
        self._clock = clock
        # id -> [last seen, data]; kept in least-recently-used order so eviction is O(1)
        self._sessions: OrderedDict[str, list[Any]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._sessions)

    async def load_session(self, request: web.Request) -> Session:
        key = self.load_cookie(request)
        entry = self._sessions.get(key) if key else None
        now = self._clock()
        if entry is None or now - entry[0] > self.idle:
            if key:
                self._sessions.pop(key, None)
            return Session(None, data=None, new=True, max_age=None)
        entry[0] = now
        self._sessions.move_to_end(key)  # type: ignore[arg-type]
        request[_LOADED_KEY] = key
        return Session(key, data=entry[1], new=False, max_age=None)

    async def save_session(self, request: web.Request, response: web.StreamResponse,
                           session: Session) -> None:
        loaded = request.get(_LOADED_KEY)
        key = session.identity
        if loaded and loaded != key:
            self._sessions.pop(loaded, None)   # a new session replaced it (login): the old id is void
        if session.empty:
            if key:
                self._sessions.pop(key, None)
            self.save_cookie(response, "")
            return
        if key is None:
            key = secrets.token_urlsafe(32)
            session.set_new_identity(key)
        self._sessions[key] = [self._clock(), self._get_session_data(session)]
        self._sessions.move_to_end(key)
        while len(self._sessions) > self.max_sessions:
            self._sessions.popitem(last=False)
        self.save_cookie(response, key)

    def revoke_user(self, user_id: int) -> int:
        """Drop every session of a user (deactivated, password changed); returns how many."""
        doomed = [k for k, (_, data) in self._sessions.items() if data.get("session", {}).get("uid") == user_id]
        for key in doomed:
            del self._sessions[key]
        return len(doomed)
