"""``caruso agents``: list, add, update and remove ACD agents; their skills and queue memberships.

Skills are ``NAME=LEVEL`` (1-100; a skill unknown so far is created), queues ``NAME[=PENALTY]`` (lower
penalties are offered calls first).  A running server applies changes within its ``poll_seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from caruso.acd.convert import agent_from_data
from caruso.cli.queues import ensure_skills, pairs, with_admin
from caruso.config import load_config
from caruso.errors import CarusoError
from caruso.storage.acd_repository import AcdRepository
from caruso.storage.admin_repository import AdminRepository


async def _save(admin: AdminRepository, args: argparse.Namespace, *, new: bool) -> dict[str, Any]:
    existing = {a["login"]: a for a in await admin.agents()}
    if new and args.login in existing:
        raise CarusoError(f"agent {args.login!r} exists already; use 'caruso agents update'")
    if not new and args.login not in existing:
        raise CarusoError(f"no agent {args.login!r}")
    data: dict[str, Any] = {"login": args.login}
    for key in ("name", "phone", "extension", "email"):
        if getattr(args, key) is not None:
            data[key] = getattr(args, key)
    if args.wrap_up is not None:
        data["wrapup_seconds"] = args.wrap_up
    if args.enabled is not None:
        data["enabled"] = args.enabled
    if args.skill is not None:
        data["skills"] = pairs(args.skill, "--skill")
    if args.queue is not None:
        data["queues"] = pairs(args.queue, "--queue", default=0)
    merged = {**existing.get(args.login, {}), **data}
    agent_from_data(args.login, skills=merged.get("skills"), queues=merged.get("queues"),
                    wrap_up=merged.get("wrapup_seconds") or 0)   # refuse what the ACD would refuse
    await ensure_skills(admin, list(data.get("skills", {})))
    saved = await admin.save_agent(data)
    if args.order is not None:
        await AcdRepository(admin.db).set_order(args.login, args.order)
    return saved


def _print(agents: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        print(json.dumps(agents, indent=2, ensure_ascii=False))
        return
    for a in agents:
        skills = ", ".join(f"{k}={v}" for k, v in sorted(a["skills"].items())) or "-"
        queues = ", ".join(f"{k}(penalty {v})" for k, v in sorted(a["queues"].items())) or "-"
        phone = a["extension"] or a["phone"] or "-"
        state = "" if a["enabled"] else "  (disabled)"
        print(f"{a['login']:<12} {a['name'] or '-':<20} {phone:<24} skills: {skills}  queues: {queues}{state}")


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)

    async def work(admin: AdminRepository) -> int:
        command = args.agents_command
        if command == "list":
            _print(await admin.agents(), args.json)
        elif command in ("add", "update"):
            _print([await _save(admin, args, new=command == "add")], False)
        elif command == "remove":
            await admin.delete_agent(args.login)
            print(f"agent {args.login} removed")
        elif command in ("join", "leave"):
            current = {a["login"]: a for a in await admin.agents()}.get(args.login)
            if current is None:
                raise CarusoError(f"no agent {args.login!r}")
            queues = dict(current["queues"])
            if command == "join":
                queues[args.queue] = args.penalty
            elif queues.pop(args.queue, None) is None:
                raise CarusoError(f"agent {args.login!r} is not in queue {args.queue!r}")
            _print([await admin.save_agent({"login": args.login, "queues": queues})], False)
        return 0

    return asyncio.run(with_admin(config, work))


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("agents", help="ACD agents: list, add, update, remove, join/leave queues",
                       description="ACD agents in the database.  A running server applies changes without restart.")
    ags = p.add_subparsers(dest="agents_command", metavar="COMMAND", required=True)
    lst = ags.add_parser("list", help="list agents")
    lst.add_argument("--json", action="store_true")
    for name in ("add", "update"):
        a = ags.add_parser(name, help=f"{name} an agent")
        a.add_argument("login")
        a.add_argument("--name")
        a.add_argument("--phone", help="a plain number for a remote agent (E.164)")
        a.add_argument("--extension", help="SIP URI or extension of the agent's softphone")
        a.add_argument("--email")
        a.add_argument("--wrap-up", type=int, metavar="SEC")
        a.add_argument("--order", type=int, help="place in linear (fixed order) queues; lower first")
        a.add_argument("--skill", action="append", metavar="SKILL=LEVEL", help="repeat; replaces the skills")
        a.add_argument("--queue", action="append", metavar="QUEUE[=PENALTY]", help="repeat; replaces the queues")
        a.add_argument("--disable", dest="enabled", action="store_false", default=None)
        a.add_argument("--enable", dest="enabled", action="store_true")
    rm = ags.add_parser("remove", help="remove an agent")
    rm.add_argument("login")
    join = ags.add_parser("join", help="add the agent to a queue")
    join.add_argument("login")
    join.add_argument("queue")
    join.add_argument("--penalty", type=int, default=0)
    leave = ags.add_parser("leave", help="take the agent out of a queue")
    leave.add_argument("login")
    leave.add_argument("queue")
    p.set_defaults(func=run)
