"""``caruso campaigns``: list, create, start, pause, stop, status (and import a CSV contact list).

Works on the database; a running server's dialer follows status changes within seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from caruso.config import Config, load_config
from caruso.dialer.admin import change_status, summary
from caruso.dialer.codec import spec_from_dict
from caruso.dialer.contacts_csv import parse_contacts
from caruso.errors import CarusoError
from caruso.storage.campaign_repository import CampaignRepository
from caruso.storage.service import StorageManager

T = TypeVar("T")


async def _with_repo(config: Config, work: Callable[[CampaignRepository, StorageManager], Awaitable[T]]) -> T:
    storage = StorageManager.standalone(config)
    async with storage.lifespan():
        return await work(CampaignRepository(storage.database), storage)


def _windows(values: list[str] | None) -> list[dict[str, Any]] | None:
    """``09:00-20:00`` (Monday to Friday) or ``10:00-18:00@5`` or ``09:00-12:00@0,1,2``."""
    if not values:
        return None
    windows = []
    for text in values:
        hours, _, days = text.partition("@")
        start, _, end = hours.partition("-")
        window: dict[str, Any] = {"start": start, "end": end}
        if days:
            window["days"] = [int(d) for d in days.split(",")]
        windows.append(window)
    return windows


def _print_summary(data: dict[str, Any]) -> None:
    p, a = data["progress"], data["abandonment_30d"]
    print(f"{data['name']}: {data['status']} ({data['mode']}, {data['purpose']}, queue {data['queue'] or '-'})")
    print(f"  dialed {p['dialed']}  answered {p['answered']}  connected {p['connected']}  abandoned {p['abandoned']}"
          f"  no answer {p['no_answer']}  busy {p['busy']}  failed {p['failed']}  blocked {p['blocked']}"
          f"  remaining {p['remaining']}")
    print(f"  abandoned over 30 days: {a['abandoned']}/{a['live_answers']} live answers "
          f"({a['rate']:.2%}, cap {a['cap']:.2%})")


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    now = time.time()

    async def work(repo: CampaignRepository, storage: StorageManager) -> int:
        if args.action == "list":
            rows = [await summary(repo, info, now) for info in await repo.list()]
            if args.json:
                print(json.dumps(rows, indent=2))
            else:
                for row in rows:
                    p = row["progress"]
                    print(f"{row['name']:<24} {row['status']:<9} {row['mode']:<12} {row['purpose']:<9} "
                          f"dialed {p['dialed']:>6}  connected {p['connected']:>6}  remaining {p['remaining']:>6}")
                if not rows:
                    print("no campaigns")
            return 0
        if args.action == "create":
            data: dict[str, Any] = json.loads(Path(args.from_json).read_text()) if args.from_json else {}
            data["name"] = args.name
            for key in ("mode", "purpose", "queue", "script", "caller_id", "label", "identification_message",
                        "ring_timeout"):
                value = getattr(args, key)
                if value is not None:
                    data[key] = value
            if args.window:
                data["calling_windows"] = _windows(args.window)
            if args.abandon_cap is not None:
                data.setdefault("pacing", {})["abandon_cap"] = args.abandon_cap
                data["pacing"].setdefault("target_abandon", min(0.015, args.abandon_cap / 2))
            if args.max_attempts is not None:
                data.setdefault("retry", {})["max_attempts"] = args.max_attempts
            info = await repo.create(spec_from_dict(data))
            print(f"campaign {info.spec.name!r} created ({info.spec.mode.value}, {info.spec.purpose.value})")
            return 0
        if args.action in ("start", "pause", "stop"):
            info = await change_status(repo, args.name, args.action, now)
            print(f"campaign {info.spec.name!r}: {info.status.value}")
            return 0
        if args.action == "status":
            data = await summary(repo, await repo.get(args.name), now)
            if args.json:
                print(json.dumps(data, indent=2))
            else:
                _print_summary(data)
            return 0
        if args.action == "import":
            parsed = parse_contacts(Path(args.file).read_text(encoding="utf-8-sig"),
                                    country=config.storage.default_country, file=args.file)
            for problem in parsed.problems:
                print(problem)
            added = await repo.add_contacts(args.name, parsed.contacts)
            print(f"{added} contact(s) added to {args.name!r}, {len(parsed.problems)} row(s) refused")
            return 1 if parsed.problems else 0
        raise CarusoError(f"unknown action {args.action!r}")

    return asyncio.run(_with_repo(config, work))


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("campaigns", help="outbound campaigns: list, create, start, pause, stop, status",
                       description="Outbound campaigns.  A running server's dialer follows status changes.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="every campaign with its status and progress")
    listing.add_argument("--json", action="store_true")
    create = actions.add_parser("create", help="create a campaign (draft)")
    create.add_argument("name")
    create.add_argument("--from-json", metavar="FILE", help="settings as JSON (see docs/dialer.md)")
    create.add_argument("--mode", choices=["preview", "progressive", "predictive"])
    create.add_argument("--purpose", choices=["service", "marketing"])
    create.add_argument("--queue", help="the ACD queue whose agents work the campaign")
    create.add_argument("--script", help="the agent script")
    create.add_argument("--caller-id", dest="caller_id")
    create.add_argument("--label")
    create.add_argument("--window", action="append", metavar="HH:MM-HH:MM[@DAYS]",
                        help="calling window in the customer's local time (repeatable; days 0=Monday)")
    create.add_argument("--identification-message", dest="identification_message")
    create.add_argument("--ring-timeout", dest="ring_timeout", type=float, help="seconds (at least 15)")
    create.add_argument("--abandon-cap", dest="abandon_cap", type=float, help="rolling 30-day cap (<= 0.03)")
    create.add_argument("--max-attempts", dest="max_attempts", type=int)
    for action in ("start", "pause", "stop"):
        actions.add_parser(action, help=f"{action} a campaign").add_argument("name")
    status = actions.add_parser("status", help="status and live progress of a campaign")
    status.add_argument("name")
    status.add_argument("--json", action="store_true")
    imp = actions.add_parser("import", help="add contacts from a CSV file (a 'number' column)")
    imp.add_argument("name")
    imp.add_argument("file")
    p.set_defaults(func=run)
