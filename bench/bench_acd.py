"""ACD routing decisions: the indexed core beside a straightforward linear-scan router, same data, same run.

    .venv/bin/python bench/bench_acd.py [--cycles N] [--sizes 10,100,1000,10000]

Set-up per size: N agents, 100 queues each requiring 3 skills (of 30) with minimum levels and a relaxation
(30 s: level 50, 60 s: any level), every agent in 3 queues with random skill levels, all agents busy and
1,000 calls waiting.  Each cycle is two routing events, timed in both routers:
  - an agent's call ends: it becomes ready and takes the best waiting call across its queues (or idles);
  - a new call arrives in a random queue: it takes the best eligible ready agent (or waits).
The agent then answers (not timed), so about 1,000 calls keep waiting.  Two tables: the routing decision
itself (which call a free agent takes, which agent an arriving call gets: the core's index look-up against
the scan), and the whole operation (the core's state changes, events, EWT and timers besides the decision;
the scan router's list bookkeeping).  Both routers make the same choices (checked on every event:
longest-idle strategy, same tie-breaks).  Memory per agent and per waiting call
is measured with tracemalloc.  The collector is frozen after set-up (gc.freeze) so it does not rescan it.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from caruso.acd import (AcdCore, AgentConfig, AgentState, CallOffer, Membership, QueueConfig,  # noqa: E402
                        Relaxation, Reserve, SkillRequirement)
from caruso.acd.reference import LinearRouter  # noqa: E402

QUEUES, SKILLS, WAITING = 100, 30, 1000


def build_configs(n_agents: int, rng: random.Random) -> tuple[list[QueueConfig], list[AgentConfig]]:
    queues = []
    for i in range(QUEUES):
        skills = rng.sample(range(SKILLS), 3)
        queues.append(QueueConfig(f"q{i}", skills=tuple(SkillRequirement(f"s{s}", rng.randint(1, 60)) for s in skills),
                                  relaxation=(Relaxation(30, 50), Relaxation(60, 1))))
    agents = []
    for i in range(n_agents):
        member_of = rng.sample(range(QUEUES), 3)
        skills = {}
        for q in member_of:
            for req in queues[q].skills:
                skills[req.skill] = rng.randint(1, 100)
        agents.append(AgentConfig(f"a{i}", skills=skills,
                                  queues=tuple(Membership(f"q{q}", penalty=rng.randint(0, 1)) for q in member_of)))
    return queues, agents


def percentile(values: list[int], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] / 1000.0


def rate(samples: list[int]) -> float:
    return len(samples) / (sum(samples) / 1e9)


def run_size(n_agents: int, cycles: int, seed: int, clock: str = "wall") -> dict:
    rng = random.Random(seed)
    queues, agents = build_configs(n_agents, rng)
    sim = [0.0]   # the simulated time the core reads
    core = AcdCore(lambda: sim[0], seed=seed, queues=queues, agents=agents)
    linear = LinearRouter(queues, agents)
    # every agent takes a call and stays busy; then 1,000 calls wait
    serial = 0
    on_call: dict[str, str | None] = {}
    for a in agents:   # every agent logs in and is busy on an outbound call
        core.agent_state(a.id, AgentState.PAUSED)
        core.agent_state(a.id, AgentState.BUSY)
        on_call[a.id] = None
    for _ in range(WAITING):
        serial += 1
        queue = f"q{rng.randrange(QUEUES)}"
        core.offer(CallOffer(f"w{serial}", queue))
        linear.waiting.append({"id": f"w{serial}", "queue": queue, "priority": 0, "seq": serial, "joined": 0.0})
    busy = sorted(on_call)
    gc.collect()
    gc.freeze()
    t_core: dict[str, list[int]] = {"agent free": [], "call arrives": []}
    t_linear: dict[str, list[int]] = {"agent free": [], "call arrives": []}
    d_core: dict[str, list[int]] = {"agent free": [], "call arrives": []}     # the decision alone
    d_linear: dict[str, list[int]] = {"agent free": [], "call arrives": []}
    # cpu: this thread's CPU time, which leaves out the time other processes hold the core (shared machines)
    perf = time.perf_counter_ns if clock == "wall" else time.thread_time_ns
    for _ in range(cycles):
        sim[0] += 0.05
        now = sim[0]
        for reserve in [o for o in core.tick() if isinstance(o, Reserve)]:
            # a call relaxed onto an idle agent's skills (the linear router has no timers: mirror it)
            agent_id = reserve.agents[0]
            core.answered(reserve.call, agent_id)
            linear.agents[agent_id]["ready"] = False
            linear.waiting.remove(next(c for c in linear.waiting if c["id"] == reserve.call))
            on_call[agent_id] = reserve.call
            busy.append(agent_id)
        while len(linear.waiting) < WAITING:   # top up to 1,000 waiting (not timed)
            serial += 1
            call = {"id": f"t{serial}", "queue": f"q{rng.randrange(QUEUES)}", "priority": 0, "seq": serial,
                    "joined": now}
            got_linear = linear.offer(call, now)
            got_core = [o.agents[0] for o in core.offer(CallOffer(call["id"], call["queue"]))
                        if isinstance(o, Reserve)]
            assert (got_core[0] if got_core else None) == got_linear, (got_core, got_linear)
            if got_linear:
                core.answered(call["id"], got_linear)
                on_call[got_linear] = call["id"]
                busy.append(got_linear)
        # 1) an agent's call ends
        if busy:
            agent_id = busy.pop(rng.randrange(len(busy)))
            ended = on_call.pop(agent_id)
            core.now = now
            runtime = core.agents[agent_id]
            t0 = perf()
            picked = core._best_call_for(runtime)
            t1 = perf()
            scanned = linear.best_call_for(agent_id, now)
            t2 = perf()
            assert (picked.id if picked else None) == (scanned["id"] if scanned else None)
            d_core["agent free"].append(t1 - t0)
            d_linear["agent free"].append(t2 - t1)
            t0 = perf()
            out = core.call_ended(ended) if ended else core.agent_state(agent_id, AgentState.READY)
            t1 = perf()
            got_linear = linear.agent_ready(agent_id, now)
            t2 = perf()
            got_core = [o.call for o in out if isinstance(o, Reserve)]
            assert (got_core[0] if got_core else None) == got_linear, (got_core, got_linear)
            t_core["agent free"].append(t1 - t0)
            t_linear["agent free"].append(t2 - t1)
            if got_linear:
                core.answered(got_linear, agent_id)
                on_call[agent_id] = got_linear
                busy.append(agent_id)
        # 2) a call arrives
        serial += 1
        call = {"id": f"n{serial}", "queue": f"q{rng.randrange(QUEUES)}", "priority": rng.choice((0, 0, 0, 1)),
                "seq": serial, "joined": now}
        queue = core.queues[call["queue"]]
        t0 = perf()
        picked_agents = core._agents_for(queue, 0)
        t1 = perf()
        scanned = linear.best_agent_for(call, now)
        t2 = perf()
        assert (picked_agents[0].config.id if picked_agents else None) == (scanned["config"].id if scanned else None)
        d_core["call arrives"].append(t1 - t0)
        d_linear["call arrives"].append(t2 - t1)
        t0 = perf()
        out = core.offer(CallOffer(call["id"], call["queue"], call["priority"]))
        t1 = perf()
        got_linear = linear.offer(call, now)
        t2 = perf()
        got_core = [o.agents[0] for o in out if isinstance(o, Reserve)]
        assert (got_core[0] if got_core else None) == got_linear, (got_core, got_linear)
        t_core["call arrives"].append(t1 - t0)
        t_linear["call arrives"].append(t2 - t1)
        if got_linear:
            core.answered(call["id"], got_linear)
            on_call[got_linear] = call["id"]
            busy.append(got_linear)
        while len(linear.waiting) > WAITING:   # keep about 1,000 waiting: the longest waiter hangs up
            oldest = linear.waiting.pop(0)
            core.abandon(oldest["id"])
    gc.unfreeze()
    waiting = len(linear.waiting)
    return {"agents": n_agents, "waiting": waiting, "core": t_core, "linear": t_linear, "decision core": d_core,
            "decision linear": d_linear}


def memory(n_agents: int, seed: int) -> tuple[float, float]:
    rng = random.Random(seed)
    queues, agents = build_configs(n_agents, rng)
    core = AcdCore(lambda: 0.0, seed=seed, queues=queues)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for a in agents:
        core.set_agent(a)
        core.agent_state(a.id, AgentState.READY)
    per_agent = (tracemalloc.get_traced_memory()[0] - before) / n_agents
    for a in agents:
        core.agent_state(a.id, AgentState.BUSY)
    before = tracemalloc.get_traced_memory()[0]
    for i in range(WAITING):
        core.offer(CallOffer(f"w{i}", f"q{rng.randrange(QUEUES)}"))
    per_call = (tracemalloc.get_traced_memory()[0] - before) / WAITING
    tracemalloc.stop()
    return per_agent, per_call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=2000)
    parser.add_argument("--sizes", default="10,100,1000,10000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="time each decision by the wall clock (default) or by this thread's CPU time")
    args = parser.parse_args()
    print(f"ACD routing decisions: {QUEUES} queues x 3 skills, ~{WAITING} calls waiting, {args.cycles} cycles "
          f"(2 routing events each); latency in microseconds ({args.clock} clock); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    results = [run_size(int(size), args.cycles, args.seed, args.clock) for size in args.sizes.split(",")]
    for title, core_key, scan_key in (
            ("the routing decision itself (which call / which agent, from the indexes vs by scanning)",
             "decision core", "decision linear"),
            ("the whole operation (decision + state changes, events, timers; the scan router's own bookkeeping)",
             "core", "linear")):
        print(f"\n{title}")
        print(f"{'agents':>7} {'event':<12} {'waiting':>7} | {'core p50':>8} {'p99':>7} {'per s':>9} | "
              f"{'scan p50':>8} {'p99':>7} {'per s':>8} | {'faster p50':>10} {'p99':>5}")
        for r in results:
            for kind in ("agent free", "call arrives", "both"):
                core = r[core_key][kind] if kind != "both" else sum(r[core_key].values(), [])
                scan = r[scan_key][kind] if kind != "both" else sum(r[scan_key].values(), [])
                c50, c99, s50, s99 = (percentile(core, 0.5), percentile(core, 0.99), percentile(scan, 0.5),
                                      percentile(scan, 0.99))
                print(f"{r['agents']:>7} {kind:<12} {r['waiting']:>7} | {c50:>8.1f} {c99:>7.1f} {rate(core):>9,.0f} | "
                      f"{s50:>8.1f} {s99:>7.1f} {rate(scan):>8,.0f} | {s50 / c50:>9.1f}x {s99 / c99:>4.0f}x")
    per_agent, per_call = memory(10_000, args.seed)
    print(f"memory (tracemalloc, 10,000 agents in 3 queues each, indexed while ready): "
          f"{per_agent:,.0f} bytes per agent, {per_call:,.0f} bytes per waiting call")
    print("every decision was identical in both routers")


if __name__ == "__main__":
    main()
