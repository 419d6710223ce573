"""Asterisk driver benchmark: AMI events parsed and dispatched per second, FastAGI command round trips per second.

    .venv/bin/python bench/bench_asterisk.py [--repeat 400] [--commands 20000] [--runs 3]

AMI: the Asterisk->client stream of the real capture ``ami-session.txt`` (banner and login answer excluded)
is written again and again at full speed over loopback by a sender process; figures:
- caruso link: ``AmiLink`` (parser + reply matching + dispatch to the event callback) over TCP;
- caruso parser alone: ``AmiParser.feed`` + ``ReplyCollector`` on the same bytes, no socket;
- panoramisk parser alone (baseline): ``AMIProtocol.data_received`` on the same bytes, no socket, its
  dispatch replaced by a counter.
FastAGI: one call sends NOOP commands back to back to a peer process answering ``200 result=0``; figures for
Caruso's ``AgiServer``/``AgiSession.command`` and, as baseline, panoramisk's ``Application``/``send_command``.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import multiprocessing
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from panoramisk import fast_agi  # noqa: E402
from panoramisk.ami_protocol import AMIProtocol  # noqa: E402

from caruso.drivers.asterisk.ami_link import AmiLink, LinkOptions  # noqa: E402
from caruso.drivers.asterisk.ami_protocol import AmiParser, ReplyCollector  # noqa: E402
from caruso.drivers.asterisk.fastagi import AgiServer, AgiSession  # noqa: E402
from tests.asterisk.fake.agi import environment_segments  # noqa: E402
from tests.asterisk.fake.captures import load_capture  # noqa: E402

_FORK = multiprocessing.get_context("fork")    # the peers run in their own process: no GIL hand-offs
LOGIN_OK = b"Response: Success\r\nActionID: %s\r\nMessage: Authentication accepted\r\n\r\n"


def capture_stream() -> tuple[bytes, int]:
    segments = load_capture("ami-session.txt").of("S->C")
    blob = b"".join(s.data for s in segments[2:])          # after the banner and the login answer
    events = sum(1 for m in AmiParser(expect_banner=False).feed(blob) if m.is_event)
    return blob, events


def _sender(server: socket.socket, blob: bytes, repeat: int) -> None:
    conn, _ = server.accept()
    with conn:
        conn.sendall(b"Asterisk Call Manager/11.0.0\r\n")
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(4096)
        action_id = next(line.split(b": ", 1)[1] for line in data.split(b"\r\n") if line.startswith(b"ActionID"))
        conn.sendall(LOGIN_OK % action_id)
        payload = blob * 20
        for _ in range(repeat // 20):
            conn.sendall(payload)
        try:
            while conn.recv(4096):
                pass
        except OSError:
            pass


async def ami_link_rate(blob: bytes, per_blob: int, repeat: int) -> float:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    repeat -= repeat % 20
    expected = per_blob * repeat
    count = 0
    done = asyncio.Event()
    started: list[float] = []

    def on_event(message: object) -> None:
        nonlocal count
        if not started:
            started.append(time.perf_counter())
        count += 1
        if count >= expected:
            done.set()

    sender = _FORK.Process(target=_sender, args=(server, blob, repeat), daemon=True)
    sender.start()
    link = AmiLink(LinkOptions(port=port, secret="x", ping_interval=3600), on_event=on_event)
    task = asyncio.create_task(link.run())
    await asyncio.wait_for(done.wait(), 300)
    elapsed = time.perf_counter() - started[0]
    task.cancel()
    await asyncio.wait([task])
    server.close()
    sender.join(5)
    return count / elapsed


def caruso_parser_rate(blob: bytes, per_blob: int, repeat: int) -> float:
    parser, collector = AmiParser(expect_banner=False), ReplyCollector()
    chunks = [blob[i:i + 65536] for i in range(0, len(blob), 65536)]
    count = 0
    start = time.perf_counter()
    for _ in range(repeat):
        for chunk in chunks:
            for message in parser.feed(chunk):
                if collector.offer(message) is None and message.is_event:
                    count += 1
    return count / (time.perf_counter() - start)


class _Factory:
    forgetable_actions = ("ping", "login")
    awaiting_actions: list[object] = []

    def __init__(self) -> None:
        self.count = 0

    def dispatch(self, message: object) -> None:
        self.count += 1

    def connection_lost(self, exc: object) -> None:
        pass


class _NullTransport:
    def write(self, data: bytes) -> None:
        pass

    def close(self) -> None:
        pass


def panoramisk_parser_rate(blob: bytes, per_blob: int, repeat: int) -> float:
    protocol = AMIProtocol()
    protocol.connection_made(_NullTransport())
    protocol.version = "11.0.0"
    factory = _Factory()
    protocol.factory = factory
    chunks = [blob[i:i + 65536] for i in range(0, len(blob), 65536)]
    start = time.perf_counter()
    for _ in range(repeat):
        for chunk in chunks:
            protocol.data_received(chunk)
    return factory.count / (time.perf_counter() - start)


def _agi_peer(port: int, commands: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as conn:
        for segment in environment_segments(agi_network_script="bench", agi_uniqueid="bench-1"):
            conn.sendall(segment)
        reader = conn.makefile("rb")
        for _ in range(commands):
            if not reader.readline():
                break
            conn.sendall(b"200 result=0\n")


async def agi_rate(commands: int, *, baseline: bool) -> float:
    finished = asyncio.Event()
    elapsed: list[float] = []

    async def route(request: AgiSession) -> None:
        start = time.perf_counter()
        for _ in range(commands):
            if baseline:
                await request.send_command("NOOP")
            else:
                await request.command("NOOP")
        elapsed.append(time.perf_counter() - start)
        finished.set()

    if baseline:
        app = fast_agi.Application(loop=asyncio.get_running_loop())
        app.add_route("bench", route)
        server = await asyncio.start_server(app.handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
    else:
        agi = AgiServer()
        agi.add_route("bench", route)
        await agi.start("127.0.0.1", 0)
        port = agi.port
    peer = _FORK.Process(target=_agi_peer, args=(port, commands), daemon=True)
    peer.start()
    await asyncio.wait_for(finished.wait(), 300)
    if baseline:
        server.close()
        await server.wait_closed()
    else:
        await agi.stop()
    peer.join(5)
    return commands / elapsed[0]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=400, help="times the capture stream is replayed")
    parser.add_argument("--commands", type=int, default=20000, help="FastAGI commands per run")
    parser.add_argument("--runs", type=int, default=3, help="runs of each figure, interleaved; the best is shown")
    args = parser.parse_args()
    blob, per_blob = capture_stream()
    best: dict[str, float] = {}

    def keep(name: str, rate: float) -> None:
        best[name] = max(rate, best.get(name, 0.0))

    link, ours, theirs = ("caruso AmiLink over TCP (parse + match + dispatch)", "caruso AmiParser alone",
                          "panoramisk AMIProtocol parser alone (baseline)")
    agi_ours, agi_theirs = "caruso AgiServer / AgiSession.command", "panoramisk Application / send_command (baseline)"
    for _ in range(args.runs):      # interleaved, so a busy moment on a shared machine hits both sides
        keep(link, await ami_link_rate(blob, per_blob, args.repeat))
        keep(ours, caruso_parser_rate(blob, per_blob, args.repeat))
        keep(theirs, panoramisk_parser_rate(blob, per_blob, args.repeat))
        keep(agi_ours, await agi_rate(args.commands, baseline=False))
        keep(agi_theirs, await agi_rate(args.commands, baseline=True))
    print(f"AMI capture: {len(blob)} bytes, {per_blob} events per replay, replayed {args.repeat} times "
          f"(best of {args.runs} runs)")
    for name in (link, ours, theirs):
        print(f"  {name:<52} {best[name]:>12,.0f} events/s")
    print(f"FastAGI: {args.commands} NOOP round trips on one call over loopback (best of {args.runs} runs)")
    for name in (agi_ours, agi_theirs):
        print(f"  {name:<52} {best[name]:>12,.0f} round trips/s")


if __name__ == "__main__":
    asyncio.run(main())
