"""``AcdService`` (service ``acd``): the pure core wrapped for a running server.

- Loads queues and agents from the storage manager (when there is one) and re-reads them when told
  (``reload_config``, called by the admin API) and every ``poll_seconds`` (changes made by the CLI), applying
  only what changed — no restart.
- Carries out the core's decisions through the ``AgentLine`` port the call flow attaches (``set_line``):
  ring agents (ring-all: one ring per agent, the first answer wins), send callers elsewhere, announce.
  A ring that is not answered puts the call back at its original place and the agent in *missed*.
- Publishes every change on the bus (caruso/acd/events.py) and records agent state periods.
- Fires the core's timers (relaxation, max wait, ring time-outs, wrap-up ends, announcements) on time.

All methods run on the event loop; every background task is tracked and cancelled on stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from caruso.acd import decisions as d
from caruso.acd.core import AcdCore
from caruso.acd.errors import AcdError
from caruso.acd.events import ConfigReloaded
from caruso.acd.model import AgentConfig, AgentState, CallOffer, OverflowKind, QueueConfig, RingOutcome
from caruso.acd.ports import AgentLine, RingRequest, RingResult
from caruso.acd.publishing import to_event
from caruso.acd.recorder import StateRecorder
from caruso.acd.sync import apply_config
from caruso.core.component import Health
from caruso.keys import EVENTS, STORAGE

log = logging.getLogger(__name__)

_OUTCOME = {RingResult.NO_ANSWER: RingOutcome.NO_ANSWER, RingResult.REJECTED: RingOutcome.REJECTED,
            RingResult.FAILED: RingOutcome.FAILED}


class AcdService:
    @dataclass(frozen=True)
    class Settings:
        load_from_storage: bool = True
        poll_seconds: float = 10.0      # re-read the configuration this often (0: only when told)
        seed: int | None = None         # random and weighted-random strategies

    def __init__(self, ctx: Any, *, clock: Callable[[], float] = time.time) -> None:
        self.settings: AcdService.Settings = ctx.settings or AcdService.Settings()
        self.config = ctx.config
        self._services = ctx.services
        self.clock = clock
        self.core = AcdCore(clock, seed=self.settings.seed)
        self.line: AgentLine | None = None
        self.repo: Any = None
        self._bus: Any = None
        self._recorder: StateRecorder | None = None
        self._callers: dict[str, str] = {}
        self._rings: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._wake = asyncio.Event()
        self._running = False
        self._reload_lock = asyncio.Lock()
        self._stored_queues: set[str] = set()   # ids the last load from storage brought
        self._stored_agents: set[str] = set()
        self._health = Health.down("not started")

    # ---------------------------------------------------------------- lifecycle
    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        self._bus = self._services.find(EVENTS)
        storage = self._services.find(STORAGE)
        if storage is not None and self.settings.load_from_storage:
            from caruso.storage.acd_repository import AcdRepository

            self.repo = AcdRepository(storage.database)
            if self.config.server.demo:
                from caruso.acd.demo import install_demo

                await install_demo(storage.database)
            await self.repo.close_open_periods(self.clock())
            self._recorder = StateRecorder(self.repo)
            await self.reload_config()
        self._running = True
        self._spawn(self._timers(), "acd-timers")
        if self.repo is not None and self.settings.poll_seconds > 0:
            self._spawn(self._poll(), "acd-config-poll")
        if self._recorder is not None:
            self._spawn(self._recorder.run(), "acd-state-log")
        self._health = Health.ok(self._describe())
        try:
            yield
        finally:
            self._running = False
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self._recorder is not None:
                await self._recorder.flush()
            self._health = Health.down("stopped")

    def health(self) -> Health:
        if self._running:
            # without a line the ACD still decides (API, monitor); rings fail and are logged
            return Health.ok(self._describe() + ("" if self.line is not None else "; no telephony line attached"))
        return self._health

    def _describe(self) -> str:
        waiting = sum(len(q.waiting) for q in self.core.queues.values())
        return f"{len(self.core.queues)} queues, {len(self.core.agents)} agents, {waiting} calls waiting"

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def drain(self) -> None:
        """Wait until the agent state changes so far are stored."""
        if self._recorder is not None and self._running:
            await self._recorder.drain()

    def set_line(self, line: AgentLine | None) -> None:
        """The call flow attaches its implementation of the telephony port."""
        self.line = line

    # ---------------------------------------------------------------- configuration
    async def reload_config(self, kind: str = "", name: str = "") -> None:
        """Re-read queues and agents from storage and apply what changed (``kind``/``name``: what the
        caller changed, for the log only — the whole configuration is compared)."""
        if self.repo is None:
            return
        async with self._reload_lock:
            queues, agents = await self.repo.load()
            for problem in self.repo.problems:
                log.error("ACD configuration: %s", problem)
            self._apply(apply_config(self.core, queues, agents, managed_queues=self._stored_queues,
                                     managed_agents=self._stored_agents))
            # an agent kept because it was on a call stays managed, so the next sync removes it
            self._stored_queues = {q.id for q in queues} | (self._stored_queues & set(self.core.queues))
            self._stored_agents = {a.id for a in agents} | (self._stored_agents & set(self.core.agents))
        if kind:
            log.info("ACD configuration reloaded after a change of %s %r", kind, name)
        if self._bus is not None:
            self._bus.publish(ConfigReloaded(at=self.clock(), queues=len(queues), agents=len(agents)))

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.settings.poll_seconds)
            try:
                await self.reload_config()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("ACD configuration reload failed; the running configuration stays")

    def set_queue(self, config: QueueConfig) -> list[d.Output]:
        return self._apply(self.core.set_queue(config))

    def set_agent(self, config: AgentConfig) -> list[d.Output]:
        return self._apply(self.core.set_agent(config))

    # ---------------------------------------------------------------- calls and agents (the flow's side)
    def offer(self, call_id: str, queue: str, *, priority: int = 0, caller: str = "") -> list[d.Output]:
        self._callers[call_id] = caller
        return self._apply(self.core.offer(CallOffer(call_id, queue, priority, caller)))

    def abandon(self, call_id: str) -> list[d.Output]:
        return self._apply(self.core.abandon(call_id))

    def request_callback(self, call_id: str, number: str) -> list[d.Output]:
        return self._apply(self.core.request_callback(call_id, number))

    def call_ended(self, call_id: str) -> list[d.Output]:
        return self._apply(self.core.call_ended(call_id))

    def agent_state(self, agent_id: str, state: AgentState | str, reason: str = "") -> list[d.Output]:
        return self._apply(self.core.agent_state(agent_id, AgentState(state), reason))

    # ---------------------------------------------------------------- carrying out the core's outputs
    def _apply(self, outputs: list[d.Output]) -> list[d.Output]:
        now = self.clock()
        for out in outputs:
            event = to_event(out, self._callers, now)
            if event is not None and self._bus is not None:
                self._bus.publish(event)
            if isinstance(out, d.AgentStateChanged) and self._recorder is not None:
                self._recorder.add(out.agent, out.new.value, out.reason, out.at)
            elif isinstance(out, d.Reserve):
                for agent_id in out.agents:
                    self._rings[(out.call, agent_id)] = self._spawn(self._ring(out, agent_id), f"acd-ring-{out.call}")
            elif isinstance(out, d.CancelRing):
                for agent_id in out.agents:
                    task = self._rings.pop((out.call, agent_id), None)
                    if task is not None:
                        task.cancel()
            elif isinstance(out, d.Overflow):
                if out.target.kind is not OverflowKind.QUEUE:
                    if out.target.kind is not OverflowKind.CALLBACK:
                        self._callers.pop(out.call, None)
                    self._tell_line("leave_queue", out.call, out.queue, out.target, out.reason)
            elif isinstance(out, d.Announce):
                self._tell_line("announce", out.call, out.position, out.ewt)
            elif isinstance(out, (d.CallAbandoned, d.CallEnded)):
                self._callers.pop(out.call, None)
        self._wake.set()
        return outputs

    def _tell_line(self, method: str, *args: Any) -> None:
        if self.line is None:
            log.warning("ACD: no telephony line attached; %s%r not carried out", method, args)
            return
        self._spawn(self._call_line(method, *args), f"acd-{method}")

    async def _call_line(self, method: str, *args: Any) -> None:
        try:
            await getattr(self.line, method)(*args)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("ACD: the telephony line failed on %s%r", method, args)

    async def _ring(self, reserve: d.Reserve, agent_id: str) -> None:
        key = (reserve.call, agent_id)
        try:
            agent = self.core.agents[agent_id].config
            request = RingRequest(reserve.call, reserve.queue, agent_id, agent.phone or agent_id,
                                  reserve.ring_timeout, reserve.callback_number)
            if self.line is None:
                result = RingResult.FAILED
                log.warning("ACD: no telephony line attached; cannot ring %s for %s", agent_id, reserve.call)
            else:
                try:
                    result = await self.line.ring(request)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("ACD: ringing %s for %s failed", agent_id, reserve.call)
                    result = RingResult.FAILED
        finally:
            if self._rings.get(key) is asyncio.current_task():
                del self._rings[key]
        call = self.core.calls.get(reserve.call)
        if call is None or agent_id not in call.ringing:
            return   # the caller left or another agent answered meanwhile
        try:
            if result is RingResult.ANSWERED:
                self._apply(self.core.answered(reserve.call, agent_id))
            else:
                self._apply(self.core.ring_failed(reserve.call, agent_id, _OUTCOME[result]))
        except AcdError:
            log.exception("ACD: ring result for %s/%s could not be applied", reserve.call, agent_id)

    async def _timers(self) -> None:
        while True:
            deadline = self.core.next_deadline()
            self._wake.clear()
            timeout = None if deadline is None else max(0.0, deadline - self.clock())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):   # (wait_for could drop a cancellation on 3.11: see ami_link)
                    await self._wake.wait()
            if deadline is not None and self.clock() >= deadline:
                self._apply(self.core.tick())

    # ---------------------------------------------------------------- views
    def monitor_seed(self) -> list[dict[str, Any]]:
        """Queues and agents as they are now, for the status monitor's first picture."""
        items: list[dict[str, Any]] = []
        for queue in self.core.queues.values():
            items.append({"type": "queue", "id": queue.config.id, "name": queue.config.name or queue.config.id,
                          "sl_seconds": queue.config.service_level_seconds})
        for agent in self.core.agents.values():
            items.append({"type": "agent", "id": agent.config.id, "name": agent.config.name or agent.config.id,
                          "queues": [m.queue for m in agent.config.queues], "state": agent.state.value,
                          "since": agent.since, "reason": agent.reason, "call": agent.call})
        return items
