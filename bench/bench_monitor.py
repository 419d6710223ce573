"""Monitor fan-out benchmark: events delivered to 1, 50 and 500 WebSocket clients on loopback.

    .venv/bin/python bench/bench_monitor.py [--clients 1,50,500] [--rate 50] [--seconds 2]

For each client count, two servers run in turn in a child process, each pushing the same messages
(a monitor agent update of ~200 bytes):
- caruso: caruso.monitor.fanout.Broadcaster (a bounded queue and a writer task per socket, batching);
- bare:   a plain aiohttp broadcast, ``for ws in sockets: await ws.send_str(msg)`` for each message.
Two figures each: throughput (a burst published as fast as possible; events/s fully delivered to every
client, and messages/s summed over clients) and delivery latency at a paced rate (p50, p99 in ms,
publish to receipt, over CLOCK_MONOTONIC shared by both processes).  The clients run in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time

import aiohttp
from aiohttp import web

from caruso.monitor.fanout import Broadcaster

PAYLOAD = {"id": "agent-0042", "name": "Agent 42", "state": "ready", "reason": None,
           "queues": ["sales", "support"], "since": 0.0, "call": None}


# ---- server (child process) ----------------------------------------------------------------------
async def serve(mode: str, port: int) -> None:
    sockets: set[web.WebSocketResponse] = set()
    broadcaster = Broadcaster(lambda: '{"type":"snapshot"}', queue_size=100_000)
    tasks: set[asyncio.Task[None]] = set()

    async def ws_handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        if mode == "caruso":
            client = await broadcaster.serve(ws)
            async for _ in ws:
                pass
            broadcaster.remove(client)
        else:
            sockets.add(ws)
            async for _ in ws:
                pass
            sockets.discard(ws)
        return ws

    async def publish(count: int, rate: float) -> None:
        interval = 1.0 / rate if rate else 0.0
        start = time.monotonic()
        for seq in range(count):
            if interval:
                delay = start + seq * interval - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            text = json.dumps({"type": "agent", "seq": seq, "t": time.monotonic(), "agent": PAYLOAD})
            if mode == "caruso":
                broadcaster.publish(text)
                if not interval and seq % 20 == 0:
                    await asyncio.sleep(0)
            else:
                for ws in list(sockets):
                    await ws.send_str(text)

    async def run(request: web.Request) -> web.Response:
        task = asyncio.create_task(publish(int(request.query["count"]), float(request.query["rate"])))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return web.json_response({"ok": True})

    async def count(request: web.Request) -> web.Response:
        return web.json_response({"clients": broadcaster.clients if mode == "caruso" else len(sockets)})

    app = web.Application()
    app.router.add_get("/ws", ws_handler)
    app.router.add_post("/run", run)
    app.router.add_get("/count", count)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)   # until the parent closes stdin
    await broadcaster.close()
    await runner.cleanup()


# ---- clients (this process) ----------------------------------------------------------------------
class Receiver:
    def __init__(self, n: int) -> None:
        self.latencies: list[float] = []
        self.last_seq = [-1] * n
        self.target = -1
        self.done = asyncio.Event()
        self.finished = 0

    def record(self, i: int, text: str) -> None:
        data = json.loads(text)
        now = time.monotonic()
        for msg in data if isinstance(data, list) else [data]:
            if msg.get("type") != "agent":
                continue
            self.latencies.append(now - msg["t"])
            self.last_seq[i] = msg["seq"]
            if msg["seq"] == self.target:
                self.finished += 1
                if self.finished == len(self.last_seq):
                    self.done.set()

    def expect(self, last: int) -> None:
        self.target, self.finished, self.latencies = last, 0, []
        self.done = asyncio.Event()


async def read(ws: aiohttp.ClientWebSocketResponse, i: int, rx: Receiver) -> None:
    async for msg in ws:
        if msg.type == aiohttp.WSMsgType.TEXT:
            rx.record(i, msg.data)


async def measure(mode: str, n: int, burst: int, rate: float, seconds: float) -> dict[str, float]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", mode, str(port)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdin is not None
    try:
        assert proc.stdout.readline().strip() == "ready"
        base = f"http://127.0.0.1:{port}"
        rx = Receiver(n)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            sockets = [await http.ws_connect(f"{base}/ws", max_msg_size=0) for _ in range(n)]
            readers = [asyncio.create_task(read(ws, i, rx)) for i, ws in enumerate(sockets)]
            while (await (await http.get(f"{base}/count")).json())["clients"] < n:
                await asyncio.sleep(0.05)
            # throughput: a burst as fast as the server can push it
            rx.expect(burst - 1)
            start = time.monotonic()
            await http.post(f"{base}/run?count={burst}&rate=0")
            await asyncio.wait_for(rx.done.wait(), 300)
            elapsed = time.monotonic() - start
            # latency: paced
            count = max(2, int(rate * seconds))
            rx.expect(count - 1)
            await http.post(f"{base}/run?count={count}&rate={rate}")
            await asyncio.wait_for(rx.done.wait(), 300)
            lat = sorted(rx.latencies)
            for ws in sockets:
                await ws.close()
            for task in readers:
                task.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    return {"events_s": burst / elapsed, "msgs_s": burst * n / elapsed,
            "p50_ms": statistics.median(lat) * 1000, "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000}


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def main(args: argparse.Namespace) -> None:
    print(f"monitor fan-out on loopback; latency at {args.rate:g} events/s for {args.seconds:g} s; cpu={os.cpu_count()}")
    print(f"{'clients':>7} {'server':>7} {'burst':>6} {'events/s':>10} {'msgs/s':>10} {'p50 ms':>8} {'p99 ms':>8}")
    for n in args.clients:
        burst = max(200, min(20_000, 200_000 // n))
        for mode in ("caruso", "bare"):
            r = await measure(mode, n, burst, args.rate, args.seconds)
            print(f"{n:>7} {mode:>7} {burst:>6} {r['events_s']:>10.0f} {r['msgs_s']:>10.0f} "
                  f"{r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        asyncio.run(serve(sys.argv[2], int(sys.argv[3])))
        raise SystemExit(0)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=lambda s: [int(x) for x in s.split(",")], default=[1, 50, 500])
    parser.add_argument("--rate", type=float, default=50.0, help="events/s for the latency phase")
    parser.add_argument("--seconds", type=float, default=2.0, help="length of the latency phase")
    asyncio.run(main(parser.parse_args()))
