"""Admin: dialog scripts — list with versions, upload (validated first: errors with line and column; a
broken script never replaces a working one), a preview run with no side effects, the graph as SVG."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from aiohttp import web

from caruso import keys
from caruso.auth.roles import Role
from caruso.script.errors import ScriptError, ScriptLoadError
from caruso.script.graph import to_dot
from caruso.script.hosts.driver import advance
from caruso.script.hosts.services import jsonable
from caruso.script.effects import Effect
from caruso.script.inputs import ActionResult, Answer, Back
from caruso.script.interpreter import Interpreter
from caruso.script.loader import load_script
from caruso.script.state import RunState
from caruso.web.errors import ApiError
from caruso.web.keys import SERVICES
from caruso.web.security import access
from caruso.web.users_api import audit, json_body

MAX_UPLOAD = 1_000_000
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def scripts(request: web.Request) -> Any:
    return request.app[SERVICES].get(keys.SCRIPTS)


def upload_dir(request: web.Request) -> Path:
    config = request.app[SERVICES].get(keys.CONFIG)
    return Path(config.scripts.directory or config.data_dir / "scripts_xml")


@access(Role.ADMIN)
async def list_scripts(request: web.Request) -> web.Response:
    repo = scripts(request)
    out = [{"id": s.id, "title": s.title, "version": s.version_key, "versions": repo.versions(s.id),
            "channels": sorted(getattr(s, "channels", ()) or ()), "file": str(s.file)}
           for s in sorted(repo.scripts().values(), key=lambda s: s.id)]
    problems = {f: [str(p) for p in ps] for f, ps in repo.problems.items()}
    return web.json_response({"scripts": out, "problems": problems})


def _problems(exc: ScriptLoadError, name: str) -> list[dict[str, Any]]:
    return [{"file": name, "line": p.line, "column": p.column, "message": p.message} for p in exc.problems]


@access(Role.ADMIN)
async def upload_script(request: web.Request) -> web.Response:
    form = await request.post()
    field = form.get("file")
    if not isinstance(field, web.FileField):
        raise ApiError(400, "bad_request", "send the script as a file field named 'file'", {"field": "file"})
    data = field.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise ApiError(413, "too_large", f"a script file is at most {MAX_UPLOAD} bytes")
    name = _SAFE_NAME.sub("_", Path(field.filename or "script.xml").name)
    if not name.endswith(".xml"):
        name += ".xml"
    repo = scripts(request)
    folder = upload_dir(request)
    target = folder / name
    try:
        script = load_script(target, {k: v for k, v in repo.scripts().items()}, data=data)
    except ScriptLoadError as exc:
        raise ApiError(422, "invalid_script", f"{name}: {len(exc.problems)} problem(s); nothing was changed",
                       _problems(exc, name)) from exc
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, target)                       # atomic: the repository never sees half a file
    if folder not in [Path(f) for f in repo.folders]:
        repo.folders.append(folder)
    report = repo.reload()
    if str(target) in report.problems:
        raise ApiError(422, "invalid_script", "the repository refused the file",
                       [{"file": name, "line": p.line, "column": p.column, "message": p.message}
                        for p in report.problems[str(target)]])
    await audit(request, "script.upload", f"script:{script.id}", {"file": name, "version": script.version_key})
    return web.json_response({"script": {"id": script.id, "version": script.version_key, "file": name}}, status=201)


class _PreviewExecutor:
    """Carries out nothing: every action succeeds with no value, and is listed for the author."""

    def __init__(self) -> None:
        self.actions: list[dict[str, Any]] = []

    async def execute(self, effect: Effect, state: RunState) -> ActionResult:
        self.actions.append(jsonable(effect.as_dict()))
        return ActionResult(ok=True, value=None)


@access(Role.ADMIN)
async def preview(request: web.Request) -> web.Response:
    """Replay the script from the start with the given answers (``"__back__"`` goes back); no side effects."""
    body = await json_body(request)
    answers = body.get("answers", [])
    if not isinstance(answers, list):
        raise ApiError(400, "bad_request", "answers must be a list", {"field": "answers"})
    interpreter = Interpreter(scripts(request))
    executor = _PreviewExecutor()
    seen: list[dict[str, Any]] = []
    try:
        state, effects = interpreter.start(request.match_info["id"], channel=str(body.get("channel", "agent")),
                                           context={"caller": body.get("caller")})
        state, _ = await advance(interpreter, state, effects, executor, lambda e: seen.append(jsonable(e.as_dict())))
        for answer in answers:
            if state.ended:
                break
            inp = Back() if answer == "__back__" else Answer(answer)
            state, effects = interpreter.step(state, inp)
            state, _ = await advance(interpreter, state, effects, executor,
                                     lambda e: seen.append(jsonable(e.as_dict())))
    except ScriptError as exc:
        raise ApiError(400, "script_error", str(exc)) from exc
    return web.json_response({"status": state.status, "outcome": state.outcome, "path": state.path_list,
                              "effects": seen, "actions": executor.actions})


@access(Role.ADMIN)
async def graph(request: web.Request) -> web.Response:
    try:
        script = scripts(request).get(request.match_info["id"])
    except ScriptError as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    dot = to_dot(script)
    binary = shutil.which("dot")
    if binary is None:
        raise ApiError(503, "graphviz_missing", "install Graphviz (Debian package graphviz) to draw graphs",
                       {"dot": dot})
    proc = await asyncio.create_subprocess_exec(binary, "-Tsvg", stdin=asyncio.subprocess.PIPE,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(dot.encode()), timeout=20)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise ApiError(503, "graph_timeout", "Graphviz took too long") from None
    if proc.returncode != 0:
        raise ApiError(500, "graph_failed", err.decode(errors="replace")[:500])
    return web.Response(body=out, content_type="image/svg+xml",
                        headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})


def setup(app: web.Application) -> None:
    app.router.add_get("/api/admin/scripts", list_scripts)
    app.router.add_post("/api/admin/scripts", upload_script)
    app.router.add_post("/api/admin/scripts/{id}/preview", preview)
    app.router.add_get("/api/admin/scripts/{id}/graph.svg", graph)
