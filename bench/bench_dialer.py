"""Dialer benchmark: the real pacer in simulation, predictive beside progressive dialing in the same run.

    .venv/bin/python bench/bench_dialer.py [--hours H] [--seed S] [--handle-time SEC] [--wrap-up SEC] [--json]

For answer rates 10/30/60 % and 20/50/200 agents it prints, per mode, the abandoned share of live answers
and agent occupancy ((talk + wrap-up) / logged-in time), with the mean idle time between calls.
Target: predictive <= 2 % abandoned with >= 85 % occupancy where progressive stays below 70 %.
"""

from __future__ import annotations

import argparse
import json
import time

from caruso.dialer.model import DialMode
from caruso.dialer.simulator import SimParams, SimResult, simulate

AGENTS = (20, 50, 200)
ANSWER_RATES = (0.10, 0.30, 0.60)


def verdict(predictive: SimResult, progressive: SimResult) -> str:
    if progressive.occupancy >= 0.70:
        return "n/a (progressive >= 70%)"
    ok = predictive.abandon_rate <= 0.02 and predictive.occupancy >= 0.85
    return "met" if ok else "MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--handle-time", type=float, default=180.0)
    parser.add_argument("--wrap-up", type=float, default=30.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    if not args.json:
        print(f"{args.hours:g} h per run, talk {args.handle_time:g} s (log-normal, cv 0.6), wrap-up {args.wrap_up:g} s, "
              f"ring time-out 25 s, grace 2 s, seed {args.seed}")
        print(f"{'agents':>6} {'answer':>6} | {'predictive: abandoned':>21} {'occupancy':>9} {'idle/call':>9} | "
              f"{'progressive: abandoned':>22} {'occupancy':>9} {'idle/call':>9} | {'target':<24} {'cpu s':>5}")
    for agents in AGENTS:
        for rate in ANSWER_RATES:
            started = time.process_time()
            results = {mode: simulate(SimParams(agents=agents, answer_rate=rate, handle_time=args.handle_time,
                                                wrap_up=args.wrap_up, mode=mode, hours=args.hours, seed=args.seed))
                       for mode in (DialMode.PREDICTIVE, DialMode.PROGRESSIVE)}
            cpu = time.process_time() - started
            pred, prog = results[DialMode.PREDICTIVE], results[DialMode.PROGRESSIVE]
            row = {"agents": agents, "answer_rate": rate, "verdict": verdict(pred, prog), "cpu_seconds": round(cpu, 1),
                   **{mode.value: {"dialed": r.dialed, "answered": r.answered, "connected": r.connected,
                                   "abandoned": r.abandoned, "abandon_rate": round(r.abandon_rate, 4),
                                   "occupancy": round(r.occupancy, 4),
                                   "idle_between_calls": round(r.idle_between_calls, 1)}
                      for mode, r in results.items()}}
            rows.append(row)
            if not args.json:
                print(f"{agents:>6} {rate:>6.0%} | {pred.abandon_rate:>21.2%} {pred.occupancy:>9.1%} "
                      f"{pred.idle_between_calls:>8.0f}s | {prog.abandon_rate:>22.2%} {prog.occupancy:>9.1%} "
                      f"{prog.idle_between_calls:>8.0f}s | {row['verdict']:<24} {cpu:>5.1f}", flush=True)
    if args.json:
        print(json.dumps(rows, indent=2))
    return 0 if all(r["verdict"] != "MISSED" for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
