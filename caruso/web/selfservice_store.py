"""State of the web self-service, per visitor: runs kept as JSON files (so reload, back and coming back
days later work, also across restarts), CSRF tokens and a per-client rate limit."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import re
import secrets
import time
from pathlib import Path
from typing import Any

VISITOR = re.compile(r"[A-Za-z0-9_-]{24,64}")


def new_visitor() -> str:
    return secrets.token_urlsafe(24)


def valid_visitor(value: str | None) -> bool:
    return value is not None and VISITOR.fullmatch(value) is not None


class VisitorStore:
    """``<folder>/<visitor>/<script>.json``: the visitor's current run of each script."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, visitor: str, script: str) -> Path:
        if not valid_visitor(visitor) or not re.fullmatch(r"[A-Za-z0-9._:-]+", script) or script.startswith("."):
            raise ValueError("bad visitor or script id")
        return self.folder / visitor / f"{script}.json"

    def _load(self, path: Path) -> dict[str, Any] | None:
        try:
            return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
        except FileNotFoundError:
            return None
        except ValueError:
            return None  # a damaged file: start again rather than fail the visitor

    def _save(self, path: Path, record: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

    async def load(self, visitor: str, script: str) -> dict[str, Any] | None:
        return await asyncio.to_thread(self._load, self._path(visitor, script))

    async def save(self, visitor: str, script: str, record: dict[str, Any]) -> None:
        await asyncio.to_thread(self._save, self._path(visitor, script), record)

    async def delete(self, visitor: str, script: str) -> None:
        path = self._path(visitor, script)
        await asyncio.to_thread(path.unlink, True)


class CsrfTokens:
    """A token per visitor: HMAC of the visitor id with a server secret kept in the data folder."""

    def __init__(self, secret_file: Path) -> None:
        self.secret = self._secret(secret_file)

    @staticmethod
    def _secret(path: Path) -> bytes:
        try:
            return bytes.fromhex(path.read_text().strip())
        except (FileNotFoundError, ValueError):
            path.parent.mkdir(parents=True, exist_ok=True)
            secret = secrets.token_bytes(32)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secret.hex())
            return secret

    def token(self, visitor: str) -> str:
        return hmac.new(self.secret, b"self-service:" + visitor.encode(), hashlib.sha256).hexdigest()

    def check(self, visitor: str, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(self.token(visitor), token)


class RateLimiter:
    """Token bucket per client address: *burst* requests at once, refilled at *per_minute*."""

    def __init__(self, per_minute: int, burst: int, clock: Any = time.monotonic, max_clients: int = 10_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, client: str) -> bool:
        now = self.clock()
        tokens, last = self._buckets.get(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[client] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._buckets) > self.max_clients:  # forget full buckets: they are back to the default anyway
            full = [c for c, (t, seen) in self._buckets.items() if t + (now - seen) * self.rate >= self.burst]
            for c in full:
                del self._buckets[c]
        return allowed
