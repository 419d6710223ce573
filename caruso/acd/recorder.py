"""Writes agent state periods to storage in the background, in order, in small batches, so a slow
database never holds up a routing decision."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger(__name__)


class StateRecorder:
    def __init__(self, repo: Any, *, batch: int = 500) -> None:
        self.repo = repo
        self.batch = batch
        self._pending: list[tuple[str, str, str, float]] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self.written = 0
        self.failed = 0

    def add(self, agent: str, state: str, reason: str, at: float) -> None:
        self._pending.append((agent, state, reason, at))
        self._idle.clear()
        self._wake.set()

    async def drain(self) -> None:
        """Wait until everything added so far is written (or failed)."""
        await self._idle.wait()

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.flush()
            if not self._pending:
                self._idle.set()

    async def flush(self) -> None:
        while self._pending:
            chunk, self._pending = self._pending[: self.batch], self._pending[self.batch:]
            try:
                await self.repo.log_states(chunk)
                self.written += len(chunk)
            except asyncio.CancelledError:
                self._pending[:0] = chunk
                raise
            except Exception:
                self.failed += len(chunk)
                log.exception("agent state log: %d change(s) could not be written", len(chunk))
