"""``caruso privacy``: erase a customer's personal data (dry run first), export it (subject access),
run retention now.  Each action is recorded in the audit log (as the user running the command)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from caruso.config import Config, load_config
from caruso.privacy.erasure import erase
from caruso.privacy.export import export
from caruso.privacy.planner import Selector
from caruso.privacy.retention import run_retention
from caruso.storage.service import StorageManager

T = TypeVar("T")


async def _with_storage(config: Config, work: Callable[[StorageManager], Awaitable[T]]) -> T:
    manager = StorageManager.standalone(config)
    async with manager.lifespan():
        return await work(manager)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _selector(config: Config, args: argparse.Namespace) -> Selector:
    return Selector.parse(args.customer, args.object or config.privacy.customer_object)


def _erase(config: Config, args: argparse.Namespace) -> int:
    selector = _selector(config, args)
    report = asyncio.run(_with_storage(config, lambda s: erase(s, selector, dry_run=args.dry_run, actor=_actor())))
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print("\n".join(report.lines()))
        if args.dry_run and not report.nothing_to_do:
            print("dry run: nothing was changed; run again without --dry-run to erase")
    return 0


def _export(config: Config, args: argparse.Namespace) -> int:
    selector = _selector(config, args)
    out = Path(args.out) if args.out else (
        config.data_dir / config.privacy.reports_dir / f"export-{datetime.now(UTC):%Y%m%d-%H%M%S}")
    result = asyncio.run(_with_storage(config, lambda s: export(s, selector, out, actor=_actor())))
    print(f"{result.document}: {result.items} items, {result.recordings} recordings in {result.folder / 'recordings'}")
    for missing in result.missing:
        print(f"  missing file (listed, not copied): {missing}")
    return 0


def _retention(config: Config, args: argparse.Namespace) -> int:
    async def work(storage: StorageManager) -> Any:
        return await run_retention(storage, config.privacy, dry_run=args.dry_run)

    counts = asyncio.run(_with_storage(config, work))
    verb = "due (dry run, nothing removed)" if args.dry_run else "removed"
    for kind, n in counts.as_dict().items():
        print(f"{kind:<15} {n:>6} {verb}")
    print(f"{'files':<15} {len(counts.files):>6} {verb}")
    return 0


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    return {"erase": _erase, "export": _export, "retention": _retention}[args.action](config, args)


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("privacy", help="erase or export a customer's data, run retention",
                       description="Privacy requests (see docs/privacy.md). The customer is found by one "
                                   "attribute of [privacy] customer_object, e.g. --customer number=C100002.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    er = actions.add_parser("erase", help="remove or anonymise one person's data everywhere",
                            description="Suppresses their numbers and addresses (hashed), masks calls, deletes "
                                        "recordings, voicemail audio, history, consents, script answers, blanks "
                                        "the personal attributes of their records. Re-running finishes an "
                                        "interrupted erasure; after a complete one it does nothing.")
    ex = actions.add_parser("export", help="write everything held about one person (JSON + recordings)")
    for parser in (er, ex):
        parser.add_argument("--customer", required=True, metavar="ATTR=VALUE",
                            help="the customer, by one attribute (number=C100002, phone=..., email=...)")
        parser.add_argument("--object", help="the object class (default: [privacy] customer_object)")
    er.add_argument("--dry-run", action="store_true", help="show what would be erased, change nothing")
    er.add_argument("--json", action="store_true", help="print the report as JSON")
    ex.add_argument("--out", metavar="DIR", help="new folder for the export (default: under the data directory)")
    ret = actions.add_parser("retention", help="remove what is older than its retention period now")
    ret.add_argument("--dry-run", action="store_true", help="only count what is due")
    p.set_defaults(func=run)
