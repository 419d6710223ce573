"""Server-side sessions: idle expiry, bounded memory, revocation per user (pure, injected clock)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from caruso.web.sessions import COOKIE, MemorySessionStorage, Session


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def request_with(cookie: str | None) -> web.Request:
    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
    return make_mocked_request("GET", "/", headers=headers)


def saved(storage: MemorySessionStorage, data: dict[str, object]) -> str:
    session = Session(None)
    for k, v in data.items():
        session[k] = v
    response = web.Response()
    storage.save(session, response)
    assert session.identity is not None
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    return session.identity


def test_idle_sessions_expire_and_use_keeps_them_alive() -> None:
    clock = Clock()
    storage = MemorySessionStorage(idle=100, secure=False, clock=clock)
    sid = saved(storage, {"uid": 1})
    clock.now = 90
    assert storage.load(request_with(sid)).get("uid") == 1       # used: the idle timer restarts
    clock.now = 180
    assert storage.load(request_with(sid)).get("uid") == 1
    clock.now = 281
    assert storage.load(request_with(sid)) == {} and len(storage) == 0
    assert storage.load(request_with("forged-id")) == {}


def test_memory_is_bounded_and_users_can_be_revoked() -> None:
    storage = MemorySessionStorage(idle=100, secure=True, max_sessions=10, clock=Clock())
    ids = [saved(storage, {"uid": i % 3}) for i in range(25)]
    assert len(storage) == 10
    assert storage.load(request_with(ids[0])) == {}                # the least recently used went first
    assert storage.revoke_user(1) == 3 and len(storage) == 7
    assert all(storage.load(request_with(i)).get("uid") != 1 for i in ids)


def test_renewing_a_session_drops_the_old_id() -> None:
    storage = MemorySessionStorage(idle=100, secure=False, clock=Clock())
    old = saved(storage, {"csrf": "x"})
    session = storage.load(request_with(old))
    session.renew()
    session["uid"] = 7
    storage.save(session, web.Response())
    assert session.identity != old
    assert storage.load(request_with(old)) == {}
    assert storage.load(request_with(session.identity)).get("uid") == 7
