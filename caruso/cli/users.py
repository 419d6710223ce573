"""``caruso users``: web users (add, list, set a password, change role, disable/enable).

Passwords are read from the terminal without echo, or from standard input with ``--password-stdin``
(one line), never from the command line (it would end up in shell history and ``ps``).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from caruso.auth.errors import UserNotFound
from caruso.auth.roles import Role
from caruso.auth.service import AuthService
from caruso.config import Config, load_config
from caruso.errors import CarusoError
from caruso.storage.service import StorageManager
from caruso.storage.users_repository import UsersRepository

T = TypeVar("T")


async def _with_auth(config: Config, work: Callable[[AuthService], Awaitable[T]]) -> T:
    storage = StorageManager.standalone(config)
    async with storage.lifespan():
        return await work(AuthService(store=UsersRepository(storage.database)))


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise CarusoError("the passwords differ")
    if not password:
        raise CarusoError("an empty password")
    return password


def _role(text: str) -> Role:
    try:
        return Role.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


async def _find(auth: AuthService, username: str) -> int:
    for user in await auth.list_users():
        if user.username == username:
            return user.id
    raise UserNotFound(f"no user named {username!r}")


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    action = args.users_action

    async def work(auth: AuthService) -> int:
        if action == "list":
            for u in await auth.list_users():
                state = "" if u.active else "  (disabled)"
                agent = f"  agent {u.agent_id}" if u.agent_id else ""
                print(f"{u.username:<20} {u.role.value:<10} {u.display_name}{agent}{state}")
            return 0
        if action == "add":
            try:
                user = await auth.create_user(args.username, args.password, args.role, display_name=args.name or "",
                                              agent_id=args.agent, actor="cli")
            except ValueError as exc:
                raise CarusoError(str(exc)) from exc
            print(f"created {user.username} ({user.role.value})")
            return 0
        user_id = await _find(auth, args.username)
        changes: dict[str, object] = {}
        if action == "passwd":
            changes["password"] = args.password
        elif action == "role":
            changes["role"] = args.role
        elif action in ("disable", "enable"):
            changes["active"] = action == "enable"
        try:
            await auth.update_user(user_id, actor="cli", **changes)  # type: ignore[arg-type]
        except ValueError as exc:
            raise CarusoError(str(exc)) from exc
        print(f"{args.username}: {action} done")
        return 0

    if action in ("add", "passwd"):
        args.password = _password(args)
    return asyncio.run(_with_auth(config, work))


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("users", help="web users: add, list, passwd, role, disable, enable",
                       description="Manage the users of the web UI and API (roles: agent, supervisor, admin).")
    actions = p.add_subparsers(dest="users_action", metavar="ACTION", required=True)
    actions.add_parser("list", help="list users")
    add = actions.add_parser("add", help="create a user")
    add.add_argument("username")
    add.add_argument("--role", type=_role, required=True, help="agent, supervisor or admin")
    add.add_argument("--name", help="display name")
    add.add_argument("--agent", help="the ACD agent login this user works as")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    pw = actions.add_parser("passwd", help="set a user's password")
    pw.add_argument("username")
    pw.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    role = actions.add_parser("role", help="change a user's role")
    role.add_argument("username")
    role.add_argument("role", type=_role)
    for name in ("disable", "enable"):
        actions.add_parser(name, help=f"{name} a user").add_argument("username")
    p.set_defaults(func=run)
