"""A test double of the telephony side (the ``AgentLine`` port), driven by the test."""

from __future__ import annotations

import asyncio

from caruso.acd.model import OverflowTarget
from caruso.acd.ports import RingRequest, RingResult


class ScriptedLine:
    """``ring`` waits until the test answers for that (call, agent) with ``result``; a cancelled ring is noted."""

    def __init__(self) -> None:
        self.requests: list[RingRequest] = []
        self.cancelled: list[tuple[str, str]] = []
        self.left: list[tuple[str, str, OverflowTarget, str]] = []
        self.announced: list[tuple[str, int, float]] = []
        self._pending: dict[tuple[str, str], asyncio.Future[RingResult]] = {}
        self._rung = asyncio.Event()

    async def ring(self, request: RingRequest) -> RingResult:
        key = (request.call_id, request.agent_id)
        future = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        self.requests.append(request)
        self._rung.set()
        try:
            return await future
        except asyncio.CancelledError:
            self.cancelled.append(key)
            raise
        finally:
            self._pending.pop(key, None)

    async def leave_queue(self, call_id: str, queue: str, target: OverflowTarget, reason: str) -> None:
        self.left.append((call_id, queue, target, reason))

    async def announce(self, call_id: str, position: int, ewt: float) -> None:
        self.announced.append((call_id, position, ewt))

    def ringing(self) -> set[tuple[str, str]]:
        return set(self._pending)

    async def wait_ringing(self, call_id: str, agent_id: str) -> RingRequest:
        async with asyncio.timeout(5):
            while (call_id, agent_id) not in self._pending:
                self._rung.clear()
                await self._rung.wait()
        return next(r for r in reversed(self.requests) if (r.call_id, r.agent_id) == (call_id, agent_id))

    def reply(self, call_id: str, agent_id: str, result: RingResult) -> None:
        self._pending[(call_id, agent_id)].set_result(result)
