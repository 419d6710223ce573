"""``caruso acd simulate``: run the real ACD core in simulated time (capacity planning, queueing theory)."""

from __future__ import annotations

import argparse
import json

from caruso.acd.model import Strategy
from caruso.acd.simulator import SimulationSettings, simulate


def run_simulate(args: argparse.Namespace) -> int:
    settings = SimulationSettings(
        agents=args.agents, queues=args.queues, calls_per_hour=args.calls_per_hour, handle_time=args.handle_time,
        patience=args.patience, strategy=Strategy(args.strategy), hours=args.hours, seed=args.seed,
        handle_distribution=args.handle_distribution, patience_distribution=args.patience_distribution,
        service_level_seconds=args.service_level_seconds, wrap_up=args.wrap_up,
    )
    result = simulate(settings)
    if args.json:
        print(json.dumps(result.as_dict(), indent=2))
        return 0
    theory = result.erlang_c
    note = "" if settings.patience is None else " (Erlang C ignores abandonment)"
    print(f"{settings.agents} agents, {settings.queues} queue(s), {settings.calls_per_hour:g} calls/h, "
          f"handle time {settings.handle_time:g} s, {settings.hours:g} h simulated (seed {settings.seed})")
    print(f"  offered {result.offered}, answered {result.answered}, abandoned {result.abandoned}, "
          f"overflowed {result.overflowed}{note}")
    print(f"  service level ({settings.service_level_seconds:g} s) {result.service_level:.1%}"
          f"   Erlang C {theory['service_level']:.1%}")
    print(f"  average speed of answer {result.average_speed_of_answer:.1f} s"
          f"   Erlang C {theory['average_speed_of_answer']:.1f} s")
    print(f"  occupancy {result.occupancy:.1%}   offered load {theory['occupancy']:.1%}")
    print(f"  EWT error: mean absolute {result.ewt_mean_abs_error:.1f} s, mean {result.ewt_mean_error:+.1f} s")
    return 0


def _positive(kind: type) -> object:
    def parse(text: str) -> object:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text} is not > 0")
        return value
    return parse


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("acd", help="automatic call distribution tools",
                       description="Automatic call distribution tools.")
    acd_sub = p.add_subparsers(dest="acd_command", metavar="COMMAND", required=True)
    s = acd_sub.add_parser(
        "simulate", help="run the ACD in simulated time",
        description="Run the real ACD core in simulated time: Poisson arrivals, exponential handle times and "
                    "patience (unless told constant), agents answering at once.  Prints offered, answered, "
                    "abandoned, service level, average speed of answer, occupancy and the EWT error, beside "
                    "Erlang C for the same load.")
    s.add_argument("--agents", type=_positive(int), required=True)
    s.add_argument("--queues", type=_positive(int), default=1, help="calls spread evenly; every agent serves all")
    s.add_argument("--calls-per-hour", type=_positive(float), required=True, metavar="LAMBDA")
    s.add_argument("--handle-time", type=_positive(float), required=True, metavar="SEC", help="mean talk time")
    s.add_argument("--patience", type=_positive(float), metavar="SEC",
                   help="mean time before a waiting caller hangs up (default: callers never hang up)")
    s.add_argument("--strategy", choices=[st.value for st in Strategy], default=Strategy.LONGEST_IDLE.value)
    s.add_argument("--hours", type=_positive(float), default=8.0)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--handle-distribution", choices=["exponential", "constant"], default="exponential")
    s.add_argument("--patience-distribution", choices=["exponential", "constant"], default="exponential")
    s.add_argument("--service-level-seconds", type=_positive(float), default=20.0, metavar="SEC")
    s.add_argument("--wrap-up", type=float, default=0.0, metavar="SEC")
    s.add_argument("--json", action="store_true", help="print the figures as JSON")
    s.set_defaults(func=run_simulate)
