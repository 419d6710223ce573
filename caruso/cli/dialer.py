"""``caruso dialer simulate``: run the real pacer against simulated calls and print what it achieved."""

from __future__ import annotations

import argparse
import json

from caruso.dialer.model import DialMode, PacingSettings
from caruso.dialer.simulator import SimParams, simulate


def _rate(text: str) -> float:
    value = float(text.rstrip("%"))
    value = value / 100.0 if value > 1.0 or text.endswith("%") else value
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text}: an answer rate is a share (0.3) or a percentage (30)")
    return value


def simulate_command(args: argparse.Namespace) -> int:
    pacing = PacingSettings(target_abandon=min(args.target_abandon, args.abandon_cap), abandon_cap=args.abandon_cap)
    params = SimParams(agents=args.agents, answer_rate=args.answer_rate, handle_time=args.handle_time,
                       wrap_up=args.wrap_up, mode=DialMode(args.mode), hours=args.hours, seed=args.seed,
                       ring_timeout=args.ring_timeout, pacing=pacing)
    result = simulate(params)
    if args.json:
        print(json.dumps(result.as_dict(), indent=2))
        return 0
    print(f"{params.mode.value} dialing, {params.agents} agents, answer rate {params.answer_rate:.0%}, "
          f"talk {params.handle_time:g} s, wrap-up {params.wrap_up:g} s, {params.hours:g} h (seed {params.seed})")
    print(f"  dialed             {result.dialed}")
    print(f"  answered live      {result.answered}")
    print(f"  connected          {result.connected}")
    print(f"  abandoned          {result.abandoned} ({result.abandon_rate:.2%} of live answers)")
    print(f"  busy/no answer/failed  {result.busy}/{result.no_answer}/{result.failed}")
    print(f"  agent occupancy    {result.occupancy:.1%}")
    print(f"  idle between calls {result.idle_between_calls:.1f} s")
    for sample in result.sample_decisions[:3]:
        print(f"  at {sample['at']:>6.0f} s: {sample['reason']}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("dialer", help="outbound dialer tools (simulation)")
    dialer_sub = p.add_subparsers(dest="dialer_command", metavar="ACTION", required=True)
    s = dialer_sub.add_parser("simulate", help="run the pacer against simulated calls",
                              description="Runs the real pacer against simulated calls and prints dialed, "
                                          "connected, abandoned rate, agent occupancy and idle time between calls.")
    s.add_argument("--agents", type=int, required=True)
    s.add_argument("--answer-rate", type=_rate, required=True, help="share of calls answered live: 0.3 or 30")
    s.add_argument("--handle-time", type=float, default=180.0, help="mean talk time in seconds (default 180)")
    s.add_argument("--wrap-up", type=float, default=30.0, help="wrap-up seconds after each call (default 30)")
    s.add_argument("--mode", choices=[m.value for m in DialMode if m is not DialMode.PREVIEW], default="predictive")
    s.add_argument("--hours", type=float, default=8.0)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--ring-timeout", type=float, default=25.0, help="seconds a call rings (at least 15)")
    s.add_argument("--abandon-cap", type=float, default=0.03, help="rolling 30-day cap (at most 0.03)")
    s.add_argument("--target-abandon", type=float, default=0.015, help="what the pacer aims at")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(func=simulate_command)
