"""Failed-login throttling: pure, with an injected clock.

Failures are counted per user name and per client address.  After ``max_failures`` within ``window``
seconds, further attempts are refused for ``lockout`` seconds, doubling with each further lockout up to
``max_lockout``.  A success clears the user name's count (not the address's: one account an attacker
owns must not reset the count of the others).  Memory is bounded: stale entries are pruned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True)
class _Record:
    failures: list[float] = field(default_factory=list)
    locked_until: float = 0.0
    lockouts: int = 0


class LoginThrottle:
    def __init__(self, clock: Callable[[], float], *, max_failures: int = 5, window: float = 300.0,
                 lockout: float = 30.0, max_lockout: float = 900.0, max_entries: int = 10_000) -> None:
        self._clock = clock
        self.max_failures = max_failures
        self.window = window
        self.lockout = lockout
        self.max_lockout = max_lockout
        self.max_entries = max_entries
        self._records: dict[str, _Record] = {}

    def _keys(self, username: str, address: str) -> tuple[str, str]:
        return f"user:{username.strip().lower()}", f"addr:{address}"

    def retry_after(self, username: str, address: str) -> float:
        """Seconds the caller must wait before trying again; 0 when allowed."""
        now = self._clock()
        wait = 0.0
        for key in self._keys(username, address):
            rec = self._records.get(key)
            if rec is not None and rec.locked_until > now:
                wait = max(wait, rec.locked_until - now)
        return wait

    def failed(self, username: str, address: str) -> None:
        now = self._clock()
        if len(self._records) >= self.max_entries:
            self._prune(now)
        for key in self._keys(username, address):
            rec = self._records.setdefault(key, _Record())
            rec.failures = [t for t in rec.failures if now - t < self.window]
            rec.failures.append(now)
            if len(rec.failures) >= self.max_failures:
                rec.locked_until = now + min(self.lockout * (2 ** rec.lockouts), self.max_lockout)
                rec.lockouts += 1
                rec.failures.clear()

    def succeeded(self, username: str, address: str) -> None:
        self._records.pop(self._keys(username, address)[0], None)

    def _prune(self, now: float) -> None:
        stale = [k for k, r in self._records.items()
                 if r.locked_until <= now and all(now - t >= self.window for t in r.failures)]
        for key in stale:
            del self._records[key]
        if len(self._records) >= self.max_entries:  # still full: forget the oldest half
            for key in list(self._records)[: self.max_entries // 2]:
                del self._records[key]
