"""Roles, password hashing and the login throttle, as plain functions with an injected clock."""

from __future__ import annotations

import pytest

from caruso.auth.passwords import hash_password, verify_password
from caruso.auth.roles import Role
from caruso.auth.throttle import LoginThrottle


def test_roles_are_ordered() -> None:
    assert Role.ADMIN.permits(Role.SUPERVISOR) and Role.ADMIN.permits(Role.AGENT)
    assert Role.SUPERVISOR.permits(Role.AGENT) and not Role.SUPERVISOR.permits(Role.ADMIN)
    assert not Role.AGENT.permits(Role.SUPERVISOR)
    assert Role.parse(" Admin ") is Role.ADMIN
    with pytest.raises(ValueError, match="unknown role"):
        Role.parse("root")


def test_password_hash_is_argon2id_and_verifies() -> None:
    stored = hash_password("s3cret-pass")
    assert stored.startswith("$argon2id$") and "s3cret-pass" not in stored
    assert verify_password(stored, "s3cret-pass")
    assert not verify_password(stored, "s3cret-pasS")
    assert not verify_password(None, "s3cret-pass")        # unknown user
    assert not verify_password("not a hash", "s3cret-pass")
    with pytest.raises(ValueError, match="at least 8"):
        hash_password("short")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_throttle_locks_after_max_failures_and_doubles() -> None:
    clock = Clock()
    t = LoginThrottle(clock, max_failures=3, window=60, lockout=10, max_lockout=25)
    for _ in range(2):
        t.failed("bob", "10.0.0.1")
    assert t.retry_after("bob", "10.0.0.1") == 0
    t.failed("bob", "10.0.0.1")
    assert t.retry_after("bob", "10.0.0.1") == 10
    assert t.retry_after("bob", "10.9.9.9") == 10          # per user, from any address
    assert t.retry_after("eve", "10.0.0.1") == 10          # per address, for any user
    assert t.retry_after("eve", "10.9.9.9") == 0
    clock.now += 10
    assert t.retry_after("bob", "10.0.0.1") == 0
    for _ in range(3):
        t.failed("bob", "10.0.0.2")
    assert t.retry_after("bob", "10.0.0.2") == 20          # second lockout doubles
    clock.now += 20
    for _ in range(3):
        t.failed("bob", "10.0.0.3")
    assert t.retry_after("bob", "10.0.0.3") == 25          # capped


def test_throttle_window_forgets_old_failures_and_success_clears_user() -> None:
    clock = Clock()
    t = LoginThrottle(clock, max_failures=2, window=60)
    t.failed("bob", "a")
    clock.now += 61
    t.failed("bob", "b")
    assert t.retry_after("bob", "c") == 0
    t.succeeded("bob", "b")
    t.failed("bob", "d")
    assert t.retry_after("bob", "e") == 0


def test_throttle_memory_is_bounded() -> None:
    clock = Clock()
    t = LoginThrottle(clock, max_failures=5, window=1, max_entries=100)
    for i in range(1000):
        clock.now += 0.01
        t.failed(f"user{i}", f"addr{i}")
    assert len(t._records) <= 100
