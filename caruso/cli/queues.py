"""``caruso queues``: list, add, update and remove ACD queues (strategy, required skills, settings).

Settings are the keys of docs/acd.md ("Queue settings"), given as ``--set KEY=VALUE`` (VALUE parsed as JSON
when it can be: ``--set max_wait=300 --set overflow=voicemail:billing --set 'relaxation=[[30,50],[60,1]]'``).
Every change is checked by building the ACD's queue definition before it is saved.  A running server
applies it within its ``poll_seconds`` (no restart).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from caruso.acd.convert import queue_from_data
from caruso.acd.model import Strategy
from caruso.config import Config, load_config
from caruso.errors import CarusoError
from caruso.storage.admin_repository import AdminRepository
from caruso.storage.service import StorageManager

T = TypeVar("T")


async def with_admin(config: Config, work: Callable[[AdminRepository], Awaitable[T]]) -> T:
    storage = StorageManager.standalone(config)
    async with storage.lifespan():
        return await work(AdminRepository(storage.database))


def pairs(items: list[str] | None, what: str, *, default: int | None = None) -> dict[str, int]:
    """``["billing=80", "french"]`` -> ``{"billing": 80, "french": default}``."""
    out: dict[str, int] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not name or (not sep and default is None):
            raise CarusoError(f"{what} {item!r}: expected NAME=NUMBER")
        try:
            out[name] = int(value) if sep else int(default or 0)
        except ValueError:
            raise CarusoError(f"{what} {item!r}: {value!r} is not a whole number") from None
    return out


async def ensure_skills(admin: AdminRepository, names: list[str]) -> None:
    known = {s["name"] for s in await admin.skills()}
    for name in names:
        if name not in known:
            await admin.save_skill(name)


def _settings(items: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise CarusoError(f"--set {item!r}: expected KEY=VALUE")
        try:
            out[key] = json.loads(text)
        except json.JSONDecodeError:
            out[key] = text
    return out


async def _save(admin: AdminRepository, args: argparse.Namespace, *, new: bool) -> dict[str, Any]:
    existing = {q["name"]: q for q in await admin.queues()}
    if new and args.name in existing:
        raise CarusoError(f"queue {args.name!r} exists already; use 'caruso queues update'")
    if not new and args.name not in existing:
        raise CarusoError(f"no queue {args.name!r}")
    current = existing.get(args.name, {"label": "", "strategy": Strategy.LONGEST_IDLE.value, "skills": {},
                                        "settings": {}})
    settings = {**current["settings"], **_settings(args.set)}
    for key in args.unset or []:
        settings.pop(key, None)
    data = {"name": args.name, "label": args.label if args.label is not None else current["label"],
            "strategy": args.strategy or current["strategy"],
            "skills": pairs(args.skill, "--skill") if args.skill is not None else current["skills"],
            "settings": settings}
    queue_from_data(args.name, name=data["label"], strategy=data["strategy"], skills=data["skills"],
                    settings=settings)   # refuse what the ACD would refuse, before saving
    await ensure_skills(admin, list(data["skills"]))
    return await admin.save_queue(data)


def _print(queues: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        print(json.dumps(queues, indent=2, ensure_ascii=False))
        return
    for q in queues:
        skills = ", ".join(f"{k}>={v}" for k, v in sorted(q["skills"].items())) or "-"
        settings = ", ".join(f"{k}={json.dumps(v)}" for k, v in sorted(q["settings"].items())) or "-"
        state = "" if q["enabled"] else "  (disabled)"
        print(f"{q['name']:<16} {q['strategy']:<16} skills: {skills}  settings: {settings}{state}")


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)

    async def work(admin: AdminRepository) -> int:
        if args.queues_command == "list":
            _print(await admin.queues(), args.json)
        elif args.queues_command in ("add", "update"):
            _print([await _save(admin, args, new=args.queues_command == "add")], False)
        elif args.queues_command == "remove":
            await admin.delete_queue(args.name)
            print(f"queue {args.name} removed")
        elif args.queues_command == "members":
            members = [(a["login"], a["queues"][args.name]) for a in await admin.agents() if args.name in a["queues"]]
            for login, penalty in sorted(members, key=lambda m: (m[1], m[0])):
                print(f"{login:<16} penalty {penalty}")
        return 0

    return asyncio.run(with_admin(config, work))


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("queues", help="ACD queues: list, add, update, remove",
                       description="ACD queues in the database.  A running server applies changes without restart.")
    qs = p.add_subparsers(dest="queues_command", metavar="COMMAND", required=True)
    lst = qs.add_parser("list", help="list queues")
    lst.add_argument("--json", action="store_true")
    for name in ("add", "update"):
        q = qs.add_parser(name, help=f"{name} a queue")
        q.add_argument("name")
        q.add_argument("--label")
        q.add_argument("--strategy", choices=[s.value for s in Strategy])
        q.add_argument("--skill", action="append", metavar="SKILL=LEVEL",
                       help="a required skill and its minimum level (repeat; replaces the list)")
        q.add_argument("--set", action="append", metavar="KEY=VALUE", help="a queue setting (repeat)")
        q.add_argument("--unset", action="append", metavar="KEY", help="drop a setting (back to its default)")
    rm = qs.add_parser("remove", help="remove a queue")
    rm.add_argument("name")
    mem = qs.add_parser("members", help="the agents serving a queue, by penalty")
    mem.add_argument("name")
    p.set_defaults(func=run)
