"""The fan-out: per-socket bounded queues, batching, resync instead of gaps, slow sockets isolated."""

from __future__ import annotations

import asyncio
import json

from caruso.monitor.fanout import Broadcaster


class Socket:
    """A socket whose sends can be held (a browser that stopped reading)."""

    def __init__(self, held: bool = False) -> None:
        self.frames: list[list[dict[str, object]]] = []
        self.gate = asyncio.Event()
        if not held:
            self.gate.set()
        self.closed = False
        self.got = asyncio.Event()

    async def send_str(self, data: str) -> None:
        await self.gate.wait()
        self.frames.append(json.loads(data))
        self.got.set()

    async def close(self, **_: object) -> bool:
        self.closed = True
        return True

    def messages(self) -> list[dict[str, object]]:
        return [m for frame in self.frames for m in frame]


def msg(seq: int) -> str:
    return json.dumps({"type": "agent", "seq": seq})


async def wait_for(predicate, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


async def test_snapshot_first_then_every_message_in_order() -> None:
    b = Broadcaster(lambda: json.dumps({"type": "snapshot"}), queue_size=100)
    sock = Socket()
    await b.serve(sock)
    for i in range(50):
        b.publish(msg(i))
    await wait_for(lambda: len(sock.messages()) == 51)
    got = sock.messages()
    assert got[0] == {"type": "snapshot"}
    assert [m["seq"] for m in got[1:]] == list(range(50))
    await b.close()


async def test_a_stalled_socket_does_not_stall_the_others_and_is_resynchronised() -> None:
    snapshots = 0

    def snapshot() -> str:
        nonlocal snapshots
        snapshots += 1
        return json.dumps({"type": "snapshot", "n": snapshots})

    b = Broadcaster(snapshot, queue_size=10)
    slow, fast = Socket(held=True), Socket()
    slow_client = await b.serve(slow)
    await b.serve(fast)
    for i in range(100):
        b.publish(msg(i))
        await asyncio.sleep(0)
    await wait_for(lambda: [m.get("seq") for m in fast.messages()][-1:] == [99])
    assert [m["seq"] for m in fast.messages()[1:]] == list(range(100))   # fast saw everything, in order
    assert len(slow_client.queue) <= 10                                  # bounded while stalled
    assert slow_client.resyncs >= 1
    slow.gate.set()
    await wait_for(lambda: [m["type"] for m in slow.messages()].count("snapshot") == 2)
    b.publish(msg(100))
    await wait_for(lambda: any(m.get("seq") == 100 for m in slow.messages()))
    kinds = [m["type"] for m in slow.messages()]
    assert kinds.count("snapshot") == 2            # the first one, then a fresh one instead of the gap
    seqs = [m["seq"] for m in slow.messages() if m["type"] == "agent"]
    assert seqs == sorted(seqs) and seqs[-1] == 100
    await b.close()


async def test_a_send_that_never_completes_closes_that_socket_only() -> None:
    b = Broadcaster(lambda: "{}", queue_size=10, send_timeout=0.2)
    stuck, fine = Socket(held=True), Socket()
    await b.serve(stuck)
    await b.serve(fine)
    await wait_for(lambda: stuck.closed)
    assert b.clients == 1
    b.publish(msg(1))
    await wait_for(lambda: any(m.get("seq") == 1 for m in fine.messages()))
    await b.close()
    assert b.clients == 0
