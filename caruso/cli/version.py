from __future__ import annotations

import argparse
import platform

from caruso import __version__


def run(args: argparse.Namespace) -> int:
    print(f"caruso {__version__} (Python {platform.python_version()})")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("version", help="print the version")
    p.set_defaults(func=run)
