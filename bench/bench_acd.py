"""ACD routing decisions: the indexed core beside a straightforward linear-scan router, same data, same run.

    .venv/bin/python bench/bench_acd.py [--cycles N] [--sizes 10,100,1000,10000] [--interleaved]

Set-up per size: N agents, 100 queues each requiring 3 skills (of 30) with minimum levels and a relaxation
(30 s: level 50, 60 s: any level), every agent in 3 queues with random skill levels, all agents busy and
1,000 calls waiting (queued one every 50 ms, as during the run).  Each cycle is two routing events:
  - an agent's call ends: it becomes ready and takes the best waiting call across its queues (or idles);
  - a new call arrives in a random queue: it takes the best eligible ready agent (or waits).
The agent then answers (not timed), so about 1,000 calls keep waiting.  Two tables: the routing decision
itself (which call a free agent takes, which agent an arriving call gets: the core's index look-up against
the scan), and the whole operation (the core's state changes, events, EWT and timers besides the decision;
the scan router's list bookkeeping).

Each router is driven through the same event sequence in a pass of its own (same seed, same workload; the
core's pass first, the scan router's pass replaying the core's relaxation timers, which it does not have),
so that neither router's memory traffic evicts the other's data from the CPU caches between its decisions;
every decision of the scan router's pass is checked against the core's (longest-idle strategy, same
tie-breaks).  ``--interleaved`` instead runs both routers side by side on every event, the scan router's
pass over all agents or calls evicting the core's data before each of its decisions.  Memory per agent and
per waiting call is measured with tracemalloc.  The collector is frozen after set-up (gc.freeze) so it does
not rescan it.
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
EVENTS = ("agent free", "call arrives")


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


class Timings:
    def __init__(self, perf) -> None:
        self.perf = perf
        self.decision: dict[str, list[int]] = {kind: [] for kind in EVENTS}
        self.whole: dict[str, list[int]] = {kind: [] for kind in EVENTS}

    def timed(self, kind: str, decide, decide_args: tuple, operate, operate_args: tuple):
        """Time the decision alone, then the whole operation that makes it: (decision, operation's result)."""
        perf = self.perf
        t0 = perf()
        picked = decide(*decide_args)
        t1 = perf()
        self.decision[kind].append(t1 - t0)
        t0 = perf()
        out = operate(*operate_args)
        t1 = perf()
        self.whole[kind].append(t1 - t0)
        return picked, out


class CoreDriver:
    """The core: the decision is its index look-up; the operation is the public method with everything it does."""

    def __init__(self, queues: list[QueueConfig], agents: list[AgentConfig], seed: int, perf) -> None:
        self.sim = [0.0]
        self.core = AcdCore(lambda: self.sim[0], seed=seed, queues=queues, agents=agents)
        self.timings = Timings(perf)

    def start(self, agent_ids: list[str]) -> None:
        for agent_id in agent_ids:   # every agent logs in and is busy on an outbound call
            self.core.agent_state(agent_id, AgentState.PAUSED)
            self.core.agent_state(agent_id, AgentState.BUSY)

    def set_time(self, now: float) -> None:
        self.sim[0] = now

    def relaxed(self, cycle: int) -> list[tuple[str, str]]:
        """Calls the relaxation timers matched to an idle agent: (call, agent); the agent answers."""
        core = self.core
        pairs = [(o.call, o.agents[0]) for o in core.tick() if isinstance(o, Reserve)]
        for call_id, agent_id in pairs:
            core.answered(call_id, agent_id)
        return pairs

    def queue_call(self, call: dict) -> str | None:
        """A call arrives, untimed (topping up the waiting calls); the agent it gets answers."""
        out = self.core.offer(CallOffer(call["id"], call["queue"], call["priority"]))
        return self._answer_offer(call, out)

    def _answer_offer(self, call: dict, out: list) -> str | None:
        got = [o.agents[0] for o in out if isinstance(o, Reserve)]
        if got:
            self.core.answered(call["id"], got[0])
            return got[0]
        return None

    def agent_free(self, agent_id: str, ended: str | None, now: float) -> str | None:
        core = self.core
        core.now = now
        operate, args = (core.call_ended, (ended,)) if ended else (core.agent_state, (agent_id, AgentState.READY))
        picked, out = self.timings.timed("agent free", core._best_call_for, (core.agents[agent_id],), operate, args)
        got = [o.call for o in out if isinstance(o, Reserve)]
        decided = got[0] if got else None
        assert decided == (picked.id if picked else None), (decided, picked)
        if decided:
            core.answered(decided, agent_id)
        return decided

    def call_arrives(self, call: dict, now: float) -> str | None:
        core = self.core
        core.now = now
        offer = CallOffer(call["id"], call["queue"], call["priority"])
        picked, out = self.timings.timed("call arrives", core._agents_for, (core.queues[call["queue"]], 0),
                                         core.offer, (offer,))
        decided = self._answer_offer(call, out)
        assert decided == (picked[0].config.id if picked else None), (decided, picked)
        return decided

    def abandon(self, call_id: str) -> None:
        self.core.abandon(call_id)


class LinearDriver:
    """The scan router: the decision is its scan; the operation adds its list bookkeeping."""

    def __init__(self, queues: list[QueueConfig], agents: list[AgentConfig], perf,
                 relaxed: list[list[tuple[str, str]]] | None = None) -> None:
        self.linear = LinearRouter(queues, agents)
        self.timings = Timings(perf)
        self.replay = relaxed      # the core's relaxation matches, per cycle (the scan router has no timers)
        self.now = 0.0

    def start(self, agent_ids: list[str]) -> None:
        pass     # agents start not ready, as logged in and busy

    def set_time(self, now: float) -> None:
        self.now = now

    def relaxed(self, cycle: int) -> list[tuple[str, str]]:
        pairs = self.replay[cycle] if self.replay is not None else []
        linear = self.linear
        for call_id, agent_id in pairs:
            linear.agents[agent_id]["ready"] = False
            self.abandon(call_id)
        return pairs

    def queue_call(self, call: dict) -> str | None:
        return self.linear.offer(call, self.now)

    def agent_free(self, agent_id: str, ended: str | None, now: float) -> str | None:
        linear = self.linear
        picked, decided = self.timings.timed("agent free", linear.best_call_for, (agent_id, now),
                                             linear.agent_ready, (agent_id, now))
        assert decided == (picked["id"] if picked else None)
        return decided

    def call_arrives(self, call: dict, now: float) -> str | None:
        linear = self.linear
        picked, decided = self.timings.timed("call arrives", linear.best_agent_for, (call, now),
                                             linear.offer, (call, now))
        assert decided == (picked["config"].id if picked else None)
        return decided

    def abandon(self, call_id: str) -> None:
        """The call leaves the waiting list (hung up, or matched by the core's relaxation timer)."""
        self.linear.waiting.remove(next(c for c in self.linear.waiting if c["id"] == call_id))


class Both:
    """--interleaved: both routers on every event, side by side (the scan evicts the core's data)."""

    def __init__(self, core: CoreDriver, linear: LinearDriver) -> None:
        self.core, self.linear = core, linear

    def start(self, agent_ids: list[str]) -> None:
        self.core.start(agent_ids)

    def set_time(self, now: float) -> None:
        self.core.set_time(now)
        self.linear.set_time(now)

    def relaxed(self, cycle: int) -> list[tuple[str, str]]:
        pairs = self.core.relaxed(cycle)
        self.linear.replay = {cycle: pairs}
        return self.linear.relaxed(cycle)

    def _same(self, a: str | None, b: str | None) -> str | None:
        assert a == b, (a, b)
        return a

    def queue_call(self, call: dict) -> str | None:
        return self._same(self.core.queue_call(call), self.linear.queue_call(call))

    def agent_free(self, agent_id: str, ended: str | None, now: float) -> str | None:
        return self._same(self.core.agent_free(agent_id, ended, now), self.linear.agent_free(agent_id, ended, now))

    def call_arrives(self, call: dict, now: float) -> str | None:
        return self._same(self.core.call_arrives(call, now), self.linear.call_arrives(call, now))

    def abandon(self, call_id: str) -> None:
        self.core.abandon(call_id)
        self.linear.abandon(call_id)


def drive(router, agents: list[AgentConfig], cycles: int, seed: int) -> tuple[list, list]:
    """The workload: the same for every router that makes the same decisions.  Returns every decision in
    order and the relaxation matches per cycle."""
    rng = random.Random(seed)
    serial = 0
    decisions: list = []
    relaxed_per_cycle: list[list[tuple[str, str]]] = []
    on_call: dict[str, str | None] = {a.id: None for a in agents}
    router.start(list(on_call))
    waiting: dict[str, None] = {}     # waiting call ids in arrival order (an insertion-ordered dict)
    now = 0.0
    for _ in range(WAITING):    # one every 50 ms, as during the run
        serial += 1
        now += 0.05
        router.set_time(now)
        call = {"id": f"w{serial}", "queue": f"q{rng.randrange(QUEUES)}", "priority": 0, "seq": serial,
                "joined": now}
        assert router.queue_call(call) is None
        waiting[call["id"]] = None
    busy = sorted(on_call)

    def placed(call_id: str, agent_id: str | None) -> None:
        """A call that was offered: on a call with *agent_id*, or waiting."""
        decisions.append(agent_id)
        if agent_id:
            on_call[agent_id] = call_id
            busy.append(agent_id)
        else:
            waiting[call_id] = None

    gc.collect()
    gc.freeze()
    for cycle in range(cycles):
        now += 0.05
        router.set_time(now)
        pairs = router.relaxed(cycle)
        relaxed_per_cycle.append(pairs)
        for call_id, agent_id in pairs:
            del waiting[call_id]
            on_call[agent_id] = call_id
            busy.append(agent_id)
        while len(waiting) < WAITING:   # top up to 1,000 waiting (not timed)
            serial += 1
            call = {"id": f"t{serial}", "queue": f"q{rng.randrange(QUEUES)}", "priority": 0, "seq": serial,
                    "joined": now}
            placed(call["id"], router.queue_call(call))
        # 1) an agent's call ends
        if busy:
            agent_id = busy.pop(rng.randrange(len(busy)))
            got = router.agent_free(agent_id, on_call.pop(agent_id), now)
            decisions.append(got)
            if got:
                del waiting[got]
                on_call[agent_id] = got
                busy.append(agent_id)
        # 2) a call arrives
        serial += 1
        call = {"id": f"n{serial}", "queue": f"q{rng.randrange(QUEUES)}", "priority": rng.choice((0, 0, 0, 1)),
                "seq": serial, "joined": now}
        placed(call["id"], router.call_arrives(call, now))
        while len(waiting) > WAITING:   # keep about 1,000 waiting: the longest waiter hangs up
            oldest = next(iter(waiting))
            del waiting[oldest]
            router.abandon(oldest)
    gc.unfreeze()
    return decisions, relaxed_per_cycle


def run_size(n_agents: int, cycles: int, seed: int, clock: str, interleaved: bool) -> dict:
    queues, agents = build_configs(n_agents, random.Random(seed))
    # cpu: this thread's CPU time, which leaves out the time other processes hold the core (shared machines)
    perf = time.perf_counter_ns if clock == "wall" else time.thread_time_ns
    core = CoreDriver(queues, agents, seed, perf)
    if interleaved:
        linear = LinearDriver(queues, agents, perf)
        drive(Both(core, linear), agents, cycles, seed)
    else:
        core_decisions, relaxed = drive(core, agents, cycles, seed)
        del core.core                 # the core's pass is over: its memory goes before the scan router's pass
        gc.collect()
        linear = LinearDriver(queues, agents, perf, relaxed)
        linear_decisions, _ = drive(linear, agents, cycles, seed)
        for index, (a, b) in enumerate(zip(core_decisions, linear_decisions)):
            assert a == b, f"decision {index}: the core chose {a!r}, the scan router {b!r}"
        assert len(core_decisions) == len(linear_decisions)
    return {"agents": n_agents, "core": core.timings, "linear": linear.timings}


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
    parser.add_argument("--interleaved", action="store_true",
                        help="run both routers side by side on every event instead of one pass each")
    args = parser.parse_args()
    mode = "both routers side by side on every event" if args.interleaved else "one pass per router, same events"
    print(f"ACD routing decisions: {QUEUES} queues x 3 skills, ~{WAITING} calls waiting, {args.cycles} cycles "
          f"(2 routing events each), {mode}; latency in microseconds ({args.clock} clock); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    results = [run_size(int(size), args.cycles, args.seed, args.clock, args.interleaved)
               for size in args.sizes.split(",")]
    for title, field in (
            ("the routing decision itself (which call / which agent, from the indexes vs by scanning)", "decision"),
            ("the whole operation (decision + state changes, events, timers; the scan router's own bookkeeping)",
             "whole")):
        print(f"\n{title}")
        print(f"{'agents':>7} {'event':<12} | {'core p50':>8} {'p99':>7} {'per s':>9} | "
              f"{'scan p50':>8} {'p99':>7} {'per s':>8} | {'faster p50':>10} {'p99':>5}")
        for r in results:
            ours, theirs = getattr(r["core"], field), getattr(r["linear"], field)
            for kind in (*EVENTS, "both"):
                core = ours[kind] if kind != "both" else sum(ours.values(), [])
                scan = theirs[kind] if kind != "both" else sum(theirs.values(), [])
                c50, c99, s50, s99 = (percentile(core, 0.5), percentile(core, 0.99), percentile(scan, 0.5),
                                      percentile(scan, 0.99))
                print(f"{r['agents']:>7} {kind:<12} | {c50:>8.1f} {c99:>7.1f} {rate(core):>9,.0f} | "
                      f"{s50:>8.1f} {s99:>7.1f} {rate(scan):>8,.0f} | {s50 / c50:>9.1f}x {s99 / c99:>4.0f}x")
    per_agent, per_call = memory(10_000, args.seed)
    print(f"memory (tracemalloc, 10,000 agents in 3 queues each, indexed while ready): "
          f"{per_agent:,.0f} bytes per agent, {per_call:,.0f} bytes per waiting call")
    print("every decision was identical in both routers")


if __name__ == "__main__":
    main()
