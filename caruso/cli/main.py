"""``caruso``: one command, a subcommand per task.  Each subcommand is a module with
``add_parser(subparsers)`` (which sets ``func`` to a callable taking the parsed args and returning an
exit code).  Add a module to COMMANDS to add a subcommand.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from caruso import __version__
from caruso.errors import CarusoError

COMMANDS: list[str] = [
    "caruso.cli.acd",
    "caruso.cli.campaigns",
    "caruso.cli.agents",
    "caruso.cli.db",
    "caruso.cli.dialer",
    "caruso.cli.objects",
    "caruso.cli.privacy",
    "caruso.cli.queues",
    "caruso.cli.serve",
    "caruso.cli.script",
    "caruso.cli.services",
    "caruso.cli.version",
    "caruso.cli.users",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="caruso",
        description="Caruso: call-center communication server with a dialog-script engine.",
    )
    parser.add_argument("--version", action="version", version=f"caruso {__version__}")
    parser.add_argument("--config", "-c", metavar="FILE",
                        help="configuration file (default: $CARUSO_CONFIG, else ./caruso.toml if present)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except CarusoError as exc:
        print(f"caruso: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
