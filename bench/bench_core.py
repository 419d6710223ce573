"""Foundation benchmark: event bus fan-out and service-registry look-ups, each beside a bare baseline.

    .venv/bin/python bench/bench_core.py [--events N] [--lookups N]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass
from typing import ClassVar

from caruso.core.component import ServiceKey
from caruso.core.manager import ServiceManager
from caruso.events import Event, EventBus


@dataclass(frozen=True, slots=True, kw_only=True)
class Tick(Event):
    kind: ClassVar[str] = "bench.tick"
    seq: int


async def bus_run(subscribers: int, events: int) -> float:
    bus = EventBus(subscriber_queue=events)
    counts = [0] * subscribers
    done = asyncio.Event()
    remaining = [subscribers]

    def make(i: int):  # type: ignore[no-untyped-def]
        async def handler(e: Tick) -> None:
            counts[i] += 1
            if counts[i] == events:
                remaining[0] -= 1
                if not remaining[0]:
                    done.set()
        return handler

    for i in range(subscribers):
        bus.subscribe(make(i), [Tick])
    async with bus.lifespan():
        ticks = [Tick(seq=i) for i in range(events)]
        start = time.perf_counter()
        for t in ticks:
            bus.publish(t)
        await done.wait()
        return time.perf_counter() - start


async def queue_run(subscribers: int, events: int) -> float:
    """Baseline: one bare asyncio.Queue and consumer task per subscriber."""
    queues = [asyncio.Queue[Tick]() for _ in range(subscribers)]
    counts = [0] * subscribers
    done = asyncio.Event()
    remaining = [subscribers]

    async def consume(i: int) -> None:
        q = queues[i]
        while True:
            await q.get()
            counts[i] += 1
            if counts[i] == events:
                remaining[0] -= 1
                if not remaining[0]:
                    done.set()

    tasks = [asyncio.create_task(consume(i)) for i in range(subscribers)]
    ticks = [Tick(seq=i) for i in range(events)]
    start = time.perf_counter()
    for t in ticks:
        for q in queues:
            q.put_nowait(t)
    await done.wait()
    elapsed = time.perf_counter() - start
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return elapsed


def lookups(n: int) -> tuple[float, float]:
    manager = ServiceManager()
    keys = [ServiceKey[object](f"svc{i}") for i in range(20)]
    for k in keys:
        manager.register(k, object())
    plain = {k.name: object() for k in keys}
    key = keys[7]
    name = key.name
    get = manager.get
    start = time.perf_counter()
    for _ in range(n):
        get(key)
    registry = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(n):
        plain[name]
    baseline = time.perf_counter() - start
    return n / registry, n / baseline


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000, help="events published per run")
    parser.add_argument("--lookups", type=int, default=2_000_000)
    args = parser.parse_args()
    print(f"Event bus: {args.events:,} events published, delivered to every subscriber (best of 3)")
    print(f"{'subscribers':>11} | {'bus events/s':>13} {'deliveries/s':>13} | {'bare Queue ev/s':>15} {'ratio':>6}")
    for subs in (1, 10, 100):
        n = args.events if subs < 100 else args.events // 10
        bus_t = min([await bus_run(subs, n) for _ in range(3)])
        q_t = min([await queue_run(subs, n) for _ in range(3)])
        print(f"{subs:>11} | {n / bus_t:>13,.0f} {n * subs / bus_t:>13,.0f} | {n / q_t:>15,.0f} "
              f"{q_t / bus_t:>6.2f}")
    reg, base = lookups(args.lookups)
    print(f"\nRegistry look-ups: {reg:,.0f}/s by typed key   baseline dict look-up: {base:,.0f}/s "
          f"(ratio {reg / base:.2f})")


if __name__ == "__main__":
    asyncio.run(main())
