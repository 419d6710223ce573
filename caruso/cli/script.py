"""``caruso script``: validate, run and draw dialog scripts (for authors, admins and tests).

    caruso script validate FILE...                       exit 0 if all valid, else 1 and FILE:LINE:COL errors
    caruso script run FILE [--answers A.json] [--channel agent|web|voice] [--data D.json | --customer ATTR=VALUE]
    caruso script graph FILE [-o OUT.svg|OUT.dot]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from caruso import paths
from caruso.errors import CarusoError
from caruso.script import load_files
from caruso.script import model as m
from caruso.script.graph import to_dot
from caruso.script.hosts.batch import BACK, NO_ANSWER, AnswerQueue, run_batch
from caruso.script.hosts.executor import DataExecutor
from caruso.script.interpreter import Interpreter, ScriptSet
from caruso.script.state import RunState


def _known_scripts(files: list[Path]) -> dict[str, m.Script]:
    """Scripts a file may call: its siblings and the shipped ones (their own problems are not reported)."""
    given = {f.resolve() for f in files}
    folders = {f.resolve().parent for f in files}
    try:
        folders.add(paths.shipped("scripts_xml").resolve())
    except FileNotFoundError:
        pass
    known: dict[str, m.Script] = {}
    for folder in sorted(folders, key=lambda p: p != paths.shipped("scripts_xml").resolve()):
        others = [p for p in sorted(folder.glob("*.xml")) if p.resolve() not in given]
        known.update(load_files(others, known).scripts)
    return known


def validate(args: argparse.Namespace) -> int:
    files = [Path(f) for f in args.files]
    result = load_files(files, _known_scripts(files))
    for problem in result.problems:
        print(problem)
    if not result.problems and not args.quiet:
        for f in files:
            print(f"{f}: ok")
    return 1 if result.problems else 0


def _load_one(file: str) -> tuple[m.Script, dict[str, m.Script]]:
    path = Path(file)
    known = _known_scripts([path])
    result = load_files([path], known)
    if result.problems:
        for problem in result.problems:
            print(problem, file=sys.stderr)
        raise SystemExit(1)
    (script,) = result.scripts.values()
    return script, {**known, script.id: script}


def _read_json(file: str, what: str) -> Any:
    try:
        return json.loads(Path(file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CarusoError(f"{file}: cannot read the {what}: {exc}") from exc


def _interactive(state: RunState, step: dict[str, Any]) -> Any:
    ask = step.get("input", {})
    for choice in ask.get("choices", []):
        key = f"[{choice['key']}] " if "key" in choice else ""
        print(f"   {key}{choice['value']}: {choice['label']}", file=sys.stderr)
    hint = ask.get("type", "")
    # the prompt goes to stderr: stdout carries only the JSON events
    sys.stderr.write(f"{step['step']} ({hint}, '<' to go back)> ")
    sys.stderr.flush()
    line = sys.stdin.readline()
    if not line:
        return NO_ANSWER
    text = line.rstrip("\n")
    return BACK if text.strip() == "<" else text


def run(args: argparse.Namespace) -> int:
    script, scripts = _load_one(args.file)
    if args.customer and not args.data:
        return asyncio.run(_run_on_database(args, script, scripts))
    data = _read_json(args.data, "data") if args.data else {}
    executor = DataExecutor(data)
    context = dict(data.get("context", {}))
    objects = dict(data.get("objects", {}))  # declared look-ups (lookup/from) are done by the run itself
    if args.customer:
        attr, value = _customer_arg(args.customer)
        found = executor.find("Customer", attr, value)
        if found is None:
            raise CarusoError(f"no Customer with {attr} = {value!r} in {args.data}")
        objects["customer"] = found
    return asyncio.run(_run(args, script, scripts, executor, objects, context, data.get("params")))


def _customer_arg(text: str) -> tuple[str, str]:
    attr, sep, value = text.partition("=")
    if not sep or not attr:
        raise CarusoError("--customer wants ATTR=VALUE, e.g. --customer number=C100001")
    return attr, value


async def _run_on_database(args: argparse.Namespace, script: m.Script, scripts: dict[str, m.Script]) -> int:
    """--customer without --data: business objects are read from the configured database; what the
    script would write (create, update, e-mail, services) is printed, not done."""
    from caruso.config import load_config
    from caruso.storage.service import StorageManager

    storage = StorageManager.standalone(load_config(args.config))
    async with storage.lifespan():
        attr, value = _customer_arg(args.customer)
        found = await storage.objects.first("Customer", {attr: value})
        if found is None:
            raise CarusoError(f"no Customer with {attr} = {value!r} in {storage.database.describe()}")
        executor = DatabaseReader(storage)
        customer = await executor.object_data(found)
        return await _run(args, script, scripts, executor, {"customer": customer}, {}, None)


class DatabaseReader(DataExecutor):
    """Reads (find) from the database; writes are simulated like DataExecutor's."""

    def __init__(self, storage: Any) -> None:
        super().__init__({})
        self.storage = storage

    async def object_data(self, obj: Any) -> Any:
        from caruso.script.hosts.services import object_with_relations

        return await object_with_relations(self.storage.objects, obj)

    async def execute(self, effect: Any, state: RunState) -> Any:
        if effect.kind == "find":
            from caruso.script.inputs import ActionResult

            found = await self.storage.objects.first(effect.data["class"], {effect.data["by"]: effect.data["value"]})
            return ActionResult(ok=True, value=await self.object_data(found) if found is not None else None)
        return await super().execute(effect, state)


async def _run(args: argparse.Namespace, script: m.Script, scripts: dict[str, m.Script], executor: Any,
               objects: dict[str, Any], context: dict[str, Any], params: Any) -> int:
    clock = time.time
    if args.at:
        try:
            fixed = datetime.datetime.fromisoformat(args.at).timestamp()
        except ValueError as exc:
            raise CarusoError(f"--at wants an ISO date and time, e.g. 2026-11-23T10:30: {exc}") from exc
        clock = lambda: fixed  # noqa: E731
    interpreter = Interpreter(ScriptSet(scripts), clock=clock)
    interactive = args.answers is None

    def emit(event: dict[str, Any]) -> None:
        if interactive:
            if event["event"] == "step" and event.get("text"):
                print(f"\n{event['text']}", file=sys.stderr)
            elif event["event"] in ("invalid", "error"):
                print(f"! {event['message']}", file=sys.stderr)
        print(json.dumps(event, ensure_ascii=False, default=str), flush=True)

    answers = _interactive if interactive else AnswerQueue(_read_json(args.answers, "answers"))
    state = await run_batch(interpreter, script.id, answers, executor, emit, channel=args.channel,
                            objects=objects, context=context, params=params)
    return 0 if state.ended else 2


def graph(args: argparse.Namespace) -> int:
    script, _ = _load_one(args.file)
    dot = to_dot(script, args.channel)
    if args.output is None or args.output.endswith(".dot"):
        if args.output is None:
            sys.stdout.write(dot)
        else:
            Path(args.output).write_text(dot, encoding="utf-8")
        return 0
    fmt = Path(args.output).suffix.lstrip(".") or "svg"
    exe = shutil.which("dot")
    if exe is None:
        raise CarusoError("drawing needs Graphviz's `dot` (Debian package graphviz); or write .dot with -o FILE.dot")
    subprocess.run([exe, f"-T{fmt}", "-o", args.output], input=dot.encode(), check=True)
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("script", help="validate, run and draw dialog scripts",
                       description="Author tools for dialog scripts (XML, validated against dtd/caruso-script.dtd).")
    cmds = p.add_subparsers(dest="script_command", metavar="ACTION", required=True)

    v = cmds.add_parser("validate", help="check scripts; every error as FILE:LINE:COL: message")
    v.add_argument("files", nargs="+", metavar="FILE")
    v.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    v.set_defaults(func=validate)

    r = cmds.add_parser("run", help="run a script, printing one JSON event per line",
                        description="Run a script.  With --answers (a JSON object: step id -> answer, or a list "
                                    "of answers for a step asked more than once) it runs without asking; else it "
                                    "asks in the terminal.  Prints one JSON object per line: step, effect, invalid, "
                                    "error and last end (outcome, path).")
    r.add_argument("file", metavar="FILE")
    r.add_argument("--answers", metavar="ANSWERS.json")
    r.add_argument("--channel", choices=m.CHANNELS, default="agent")
    r.add_argument("--data", metavar="DATA.json", help="business objects, records and service results, no database")
    r.add_argument("--customer", metavar="ATTR=VALUE",
                   help="the customer to run for: from the --data records, else read from the configured "
                        "database (writes are then only printed, not done)")
    r.add_argument("--at", metavar="YYYY-MM-DDTHH:MM", help="run as if it were this local time (business hours)")
    r.set_defaults(func=run)

    gr = cmds.add_parser("graph", help="draw the script: steps and transitions with their conditions")
    gr.add_argument("file", metavar="FILE")
    gr.add_argument("-o", "--output", metavar="FILE.svg|FILE.dot", help="default: DOT on standard output")
    gr.add_argument("--channel", choices=m.CHANNELS, default="agent", help="whose texts label the steps")
    gr.set_defaults(func=graph)
