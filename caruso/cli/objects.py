"""``caruso objects``: the business-object model and its data (list classes, show objects, import CSV)."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from caruso.config import Config, load_config
from caruso.errors import CarusoError
from caruso.storage.csvimport import import_csv
from caruso.storage.model import load_model, model_files
from caruso.storage.objects.values import json_value
from caruso.storage.service import StorageManager, model_folders

T = TypeVar("T")


def _flags(attr: Any, key: str) -> str:
    flags = [f for f, on in (("key", attr.name == key), ("generated", attr.generated), ("required", attr.required),
                             ("personal", attr.personal), ("callerid", attr.callerid)) if on]
    return ", ".join(flags)


def _list(config: Config) -> int:
    model = load_model(model_files(model_folders(config)), country=config.storage.default_country)
    if not model.objects:
        print(f"no model files in {', '.join(map(str, model_folders(config)))}")
        return 0
    for obj in model.objects.values():
        legacy = " (legacy table)" if obj.legacy else ""
        print(f"{obj.name}  -> table {obj.table}{legacy}, key {obj.key}")
        for attr in obj.attributes.values():
            flags = _flags(attr, obj.key)
            print(f"    {attr.name:<16} {attr.type:<9} column {attr.column}{f'  [{flags}]' if flags else ''}")
        for rel in obj.relations.values():
            arrow = "has many" if rel.kind == "many" else "belongs to"
            print(f"    {rel.name:<16} {arrow} {rel.object} via {rel.via}")
    return 0


async def _with_storage(config: Config, work: Callable[[StorageManager], Awaitable[T]]) -> T:
    manager = StorageManager.standalone(config)
    async with manager.lifespan():
        return await work(manager)


def _where(pairs: list[str]) -> dict[str, str]:
    where = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise CarusoError(f"--where takes attr=value, not {pair!r}")
        where[name.strip()] = value
    return where


def _show(config: Config, args: argparse.Namespace) -> int:
    async def work(storage: StorageManager) -> list[Any]:
        return await storage.objects.find(args.name, _where(args.where), limit=args.limit)

    found = asyncio.run(_with_storage(config, work))
    if args.json:
        print(json.dumps([o.as_json() for o in found], indent=2, ensure_ascii=False))
        return 0
    for obj in found:
        print(f"{obj.name} {obj.key}")
        for name, value in obj.values.items():
            print(f"    {name:<16} {'' if value is None else json_value(value)}")
    print(f"({len(found)} {args.name} shown{'; more with --limit' if len(found) == args.limit else ''})")
    return 0


def _import(config: Config, args: argparse.Namespace) -> int:
    async def work(storage: StorageManager) -> Any:
        return await import_csv(storage.objects, args.name, Path(args.file), delimiter=args.delimiter)

    report = asyncio.run(_with_storage(config, work))
    print(report.describe())
    return 1 if report.errors else 0


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    match args.action:
        case "list":
            return _list(config)
        case "show":
            return _show(config, args)
        case "import":
            return _import(config, args)
    return 2


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("objects", help="business objects: list the model, show objects, import CSV",
                       description="Business objects as declared by the model files ([storage] models_dir).")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="the object classes, their attributes and relations")
    show = actions.add_parser("show", help="objects of one class, filtered by attribute values")
    show.add_argument("name", help="object class, e.g. Customer")
    show.add_argument("--where", action="append", default=[], metavar="ATTR=VALUE",
                      help="only objects whose attribute equals the value (repeat for AND)")
    show.add_argument("--limit", type=int, default=20, help="at most this many (default 20)")
    show.add_argument("--json", action="store_true", help="print JSON")
    imp = actions.add_parser("import", help="bulk load a CSV file (header = attribute or column names)",
                             description="Load every valid row; rejected rows are listed with their line and "
                                         "the reason (exit status 1 if any).")
    imp.add_argument("name", help="object class, e.g. Customer")
    imp.add_argument("file", help="CSV file (UTF-8; , ; or tab separated)")
    imp.add_argument("--delimiter", help="field separator (default: guessed)")
    p.set_defaults(func=run)
