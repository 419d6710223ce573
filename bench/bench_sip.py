"""Load bench of the embedded SIP server: N simultaneous callers through IVR -> queue -> answering agents.

    .venv/bin/python bench/bench_sip.py [--callers 25,50,100,200] [--rate 20]

For each N, a whole server side runs in this process (storage on SQLite, TTS, the SIP switch with
ceil(N/2)+1 pjsua2 media workers behind Kamailio, the call flows with one queue and N ready agents); one
sipp places N calls (PCMA, presses 1 by RFC 4733 one second after answer, stays on the line, hangs up);
another sipp answers every agent's phone (180 at once, 200 after 300 ms, RTP echoed).  Printed per N:
calls completed (answered by an agent) and failed, the most simultaneous bridged conversations, CPU (% of
one core) and memory (RSS) of Caruso + its workers + Kamailio per concurrent call, and the time from the
caller's key press (the DTMF event at the switch) to the agent's phone ringing (its 180), median and p99.
Baseline, same run: the same server idle (no call) for 3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from caruso import keys  # noqa: E402
from caruso.acd import AgentState  # noqa: E402
from caruso.callflow import CallFlowService  # noqa: E402
from caruso.callflow.events import CallFinished  # noqa: E402
from caruso.callflow.service import CallFlowSettings  # noqa: E402
from caruso.config import Config  # noqa: E402
from caruso.core.descriptors import ServiceContext  # noqa: E402
from caruso.core.manager import ServiceManager  # noqa: E402
from caruso.core.settings import build  # noqa: E402
from caruso.drivers.sip.switch import SipSwitch  # noqa: E402
from caruso.events.bus import EventBus  # noqa: E402
from caruso.storage.service import StorageManager  # noqa: E402
from caruso.telephony.events import DtmfReceived  # noqa: E402
from caruso.tts import TtsService  # noqa: E402

HERE = Path(__file__).parent / "sip"
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def tree(pid: int, skip: set[int]) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        if p in skip:
            continue
        pids.append(p)
        todo += children(p)
    return pids


def usage(pids: list[int]) -> tuple[float, int]:
    """CPU seconds used so far and resident memory (bytes), summed over *pids*."""
    cpu, rss = 0.0, 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / TICKS
            rss += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError):
            pass
    return cpu, rss


def free_block(size: int) -> int:
    import socket
    for _ in range(200):
        base = random.randrange(21000, 29000 - size)
        ok = True
        for port in range(base, base + size):
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                with socket.socket(socket.AF_INET, kind) as s:
                    try:
                        s.bind(("127.0.0.1", port))
                    except OSError:
                        ok = False
            if not ok:
                break
        if ok:
            return base
    raise RuntimeError("no free port block")


class Sample:
    def __init__(self, skip: set[int]) -> None:
        self.skip = skip
        self.at = time.monotonic()
        self.cpu, self.rss = usage(tree(os.getpid(), skip))

    def cpu_percent_since(self, earlier: Sample) -> float:
        return 100.0 * (self.cpu - earlier.cpu) / max(self.at - earlier.at, 1e-6)


async def run(n: int, rate: float, work: Path) -> dict[str, Any]:
    workers = math.ceil(n / 2) + 1
    base = free_block(workers + 8)
    agent_port, caller_port = base + workers + 2, base + workers + 4
    config = build(Config, {
        "server": {"data_dir": str(work / f"var-{n}")},
        "sip": {"port": base, "worker_port_start": base + 1, "workers": workers, "rtp_ports_per_worker": 12,
                "rtp_port_start": 30000},
        "scripts": {"directory": str(HERE / "scripts")},
    })
    services = ServiceManager()
    services.register(keys.CONFIG, config)
    bus = EventBus(subscriber_queue=100_000)
    services.register(keys.EVENTS, bus)

    def ctx(name: str, settings: Any = None) -> ServiceContext:
        return ServiceContext(name, config, settings, services)

    services.register(keys.STORAGE, StorageManager(ctx("storage")), depends_on=["events"])
    tts = TtsService(ctx("tts"))
    services.register(keys.TTS, tts)
    switch = SipSwitch(ctx("telephony"))
    services.register(keys.TELEPHONY, switch, depends_on=["events", "tts"])
    agents = {f"a{i}": {"phone": f"sip:agent{i}@127.0.0.1:{agent_port}", "queues": ["bench"]} for i in range(n)}
    flows = CallFlowService(ctx("ivr", CallFlowSettings(
        numbers={"*": "ivr-bench"}, queues={"bench": {"ring_timeout": 10.0, "max_wait": 120.0}}, agents=agents,
        first_timeout=8)))
    services.register(keys.IVR, flows, depends_on=["telephony", "storage", "events"])

    pressed: dict[str, float] = {}
    peak = 0
    finished: list[CallFinished] = []

    async def on_event(event: Any) -> None:
        if isinstance(event, DtmfReceived):
            pressed.setdefault(event.call_id, event.at)
        elif isinstance(event, CallFinished):
            finished.append(event)

    started = time.monotonic()
    await services.start()
    start_seconds = time.monotonic() - started
    unsubscribe = bus.subscribe(on_event, (DtmfReceived, CallFinished), name="bench")
    sipps: list[asyncio.subprocess.Process] = []
    try:
        for agent in agents:
            flows.agent_state(agent, AgentState.READY)
        await tts.render("Welcome. For an adviser, press 1.", "en")
        skip: set[int] = set()
        idle0 = Sample(skip)
        await asyncio.sleep(3.0)
        idle1 = Sample(skip)
        sipp = shutil.which("sipp") or "sipp"
        uas = await asyncio.create_subprocess_exec(
            sipp, "-sf", str(HERE / "agent.xml"), "-i", "127.0.0.1", "-p", str(agent_port), "-mp", "26000",
            "-rtp_echo", "-nostdin", "-timeout", "600s", "-max_socket", "4096", *os.environ.get("CARUSO_BENCH_SIPP", "").split(),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, cwd=str(work))
        sipps.append(uas)
        skip.add(uas.pid)
        talk_ms = int((n / rate + 12) * 1000)
        scenario = work / f"caller-{n}.xml"
        scenario.write_text((HERE / "caller.xml").read_text().replace("@TALK_MS@", str(talk_ms)))
        uac = await asyncio.create_subprocess_exec(
            sipp, f"127.0.0.1:{base}", "-sf", str(scenario), "-s", "100", "-m", str(n), "-l", str(n),
            "-r", str(rate), "-i", "127.0.0.1", "-p", str(caller_port), "-mp", "27000", "-nostdin", "-timeout", f"{talk_ms // 1000 + 90}s", "-timeout_error",
            "-trace_err", "-error_file", str(work / f"sipp-callers-{n}.log"), *os.environ.get("CARUSO_BENCH_SIPP", "").split(),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, cwd=str(work))
        sipps.append(uac)
        skip.add(uac.pid)
        # sample CPU/memory while the most conversations are up
        samples: list[tuple[int, Sample]] = []
        while uac.returncode is None:
            try:
                await asyncio.wait_for(uac.wait(), 1.0)
            except TimeoutError:
                pass
            up = sum(1 for c in switch.calls.values() if c.answered_at is not None) // 2
            peak = max(peak, up)
            samples.append((up, Sample(skip)))
        await asyncio.sleep(2.0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(bus.drain(), 10)
        best = [s for up, s in samples if up >= peak * 0.9 and peak > 0]
        if len(best) >= 2:
            cpu = best[-1].cpu_percent_since(best[0])
            rss = max(s.rss for s in best)
        else:
            cpu, rss = float("nan"), max((s.rss for _, s in samples), default=0)
        rings = [flows.ringing_at[c] - pressed[c] for c in pressed if c in flows.ringing_at]
        answered = sum(1 for f in finished if f.outcome == "answered")
        return {
            "n": n, "workers": workers, "start_s": start_seconds, "completed": answered,
            "failed": n - answered, "sipp_rc": uac.returncode, "peak": peak,
            "idle_cpu": idle1.cpu_percent_since(idle0), "idle_rss": idle1.rss,
            "cpu": cpu, "rss": rss,
            "ring_p50": statistics.median(rings) * 1000 if rings else float("nan"),
            "ring_p99": (sorted(rings)[max(0, math.ceil(len(rings) * 0.99) - 1)] * 1000) if rings else float("nan"),
            "rings": len(rings),
            "outcomes": {o: sum(1 for f in finished if f"{f.outcome}/{f.hangup_by}" == o)
                         for o in {f"{f.outcome}/{f.hangup_by}" for f in finished}},
            "talk": statistics.median([f.talk_seconds or 0 for f in finished]) if finished else 0,
        }
    finally:
        unsubscribe()
        for proc in sipps:
            if proc.returncode is None:
                proc.send_signal(signal.SIGKILL)
                await proc.wait()
        await services.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--callers", default="25,50,100,200")
    parser.add_argument("--rate", type=float, default=20.0, help="new calls per second")
    args = parser.parse_args()
    import logging
    logging.basicConfig(level=os.environ.get("CARUSO_BENCH_LOG", "WARNING"))
    work = Path(tempfile.mkdtemp(prefix="caruso-bench-sip-"))
    print(f"{'N':>4} {'workers':>7} {'done':>5} {'failed':>6} {'peak':>5} {'CPU%/call':>9} {'MiB/call':>8} "
          f"{'idle CPU%':>9} {'idle MiB':>8} {'ring p50 ms':>11} {'ring p99 ms':>11}  outcomes")
    try:
        for n in [int(x) for x in args.callers.split(",")]:
            r = asyncio.run(run(n, args.rate, work))
            per = max(r["peak"], 1)
            print(f"{r['n']:>4} {r['workers']:>7} {r['completed']:>5} {r['failed']:>6} {r['peak']:>5} "
                  f"{r['cpu'] / per:>9.2f} {r['rss'] / per / 2**20:>8.1f} {r['idle_cpu']:>9.1f} "
                  f"{r['idle_rss'] / 2**20:>8.0f} {r['ring_p50']:>11.1f} {r['ring_p99']:>11.1f}  {r['outcomes']}"
                  f"  talk {r['talk']:.1f} s (sipp rc {r['sipp_rc']}, start {r['start_s']:.1f} s, CPU total {r['cpu']:.0f}%)",
                  flush=True)
    finally:
        if not os.environ.get("CARUSO_BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("kept", work)


if __name__ == "__main__":
    main()
