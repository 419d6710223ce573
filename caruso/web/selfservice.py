"""Web self-service: customers run the public dialog scripts as plain HTML forms.

    GET  /self-service/            the public scripts (those with public="yes" and the web channel)
    GET  /self-service/{script}    the visitor's current page of that script (starts a run if none)
    POST /self-service/{script}    answer, back or restart; then redirect to the GET (post/redirect/get)

Each visitor has a cookie; the run state is kept per visitor and script (selfservice_store), so reload,
the browser's back button and coming back later all show the current page.  Forms carry two CSRF
tokens (the web session's, checked by caruso.web.security, and one bound to the visitor cookie);
answers are validated by the interpreter on the server, every text is escaped, each client address is
rate limited, and a finished run is recorded in the contact history (linked to the customer when the
script identified one).
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from caruso import keys
from caruso.core.manager import ServiceManager
from caruso.script import RunError, ScriptNotFound
from caruso.script.effects import Effect
from caruso.script.events import events_for
from caruso.script.hosts.driver import advance
from caruso.script.hosts.services import ServiceExecutor
from caruso.script.inputs import Answer, Back
from caruso.script.interpreter import Interpreter
from caruso.script.state import RunState
from caruso.web import selfservice_html as html
from caruso.web.keys import SERVICES
from caruso.web.security import PUBLIC, access, csrf_token
from caruso.web.selfservice_store import CsrfTokens, RateLimiter, VisitorStore, new_visitor, valid_visitor

log = logging.getLogger(__name__)

COOKIE = "caruso_visitor"
COOKIE_MAX_AGE = 30 * 24 * 3600
STATIC = Path(__file__).parent / "static"


def _customer_of(state: RunState, script: Any) -> tuple[str, str] | None:
    for ref in script.objects:
        obj = state.frames[0].objects.get(ref.name)
        if ref.cls == "Customer" and isinstance(obj, dict) and obj.get("id") is not None:
            return "Customer", str(obj["id"])
    return None


def _state_of(record: dict[str, Any] | None) -> RunState | None:
    """The saved run's state, or None when there is none or it cannot be read (then a new run starts)."""
    if record is None:
        return None
    try:
        return RunState.from_json(record["state"])
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def screen_from(effects: list[Effect], state: RunState) -> dict[str, Any]:
    """What the page shows: texts of the steps entered since the last question, and the question."""
    steps = [e.data for e in effects if e.kind == "step"]
    question = steps[-1] if state.status == "question" and steps and steps[-1]["kind"] == "question" else None
    shown = steps[:-1] if question is not None else steps
    texts = [s["text"] for s in shown if s.get("text")]
    return {"texts": texts, "question": question, "error": None, "value": None}


class SelfService:
    def __init__(self, services: ServiceManager) -> None:
        self.services = services
        config = services.get(keys.CONFIG)
        folder = config.data_dir / "selfservice"
        self.store = VisitorStore(folder / "runs")
        self.csrf = CsrfTokens(folder / "secret")
        self.limiter = RateLimiter(config.scripts.web_rate_per_minute, config.scripts.web_burst)

    # helpers ---------------------------------------------------------------------------------------
    @property
    def repository(self) -> Any:
        return self.services.get(keys.SCRIPTS)

    def interpreter(self) -> Interpreter:
        return Interpreter(self.repository, clock=time.time)

    def executor(self) -> ServiceExecutor:
        return ServiceExecutor(self.services, channel="web")

    def public_script(self, script_id: str) -> Any:
        try:
            script = self.repository.get(script_id)
        except ScriptNotFound:
            raise web.HTTPNotFound(text=html.message_page("Not found", "There is no such self-service."),
                                   content_type="text/html") from None
        if not script.public or "web" not in script.channels:
            raise web.HTTPNotFound(text=html.message_page("Not found", "There is no such self-service."),
                                   content_type="text/html")
        return script

    def limit(self, request: web.Request) -> None:
        if not self.limiter.allow(request.remote or "?"):
            raise web.HTTPTooManyRequests(
                text=html.message_page("Too many requests", "Please wait a moment and try again."),
                content_type="text/html", headers={"Retry-After": "30"})

    @staticmethod
    def visitor(request: web.Request) -> tuple[str, bool]:
        value = request.cookies.get(COOKIE)
        if valid_visitor(value):
            return value, False  # type: ignore[return-value]
        return new_visitor(), True

    @staticmethod
    def remember(response: web.StreamResponse, visitor: str, fresh: bool) -> None:
        if fresh:
            response.set_cookie(COOKIE, visitor, max_age=COOKIE_MAX_AGE, path="/self-service/", httponly=True,
                                samesite="Lax", secure=False)

    @staticmethod
    def secure_headers(response: web.StreamResponse) -> None:
        response.headers["Content-Security-Policy"] = ("default-src 'none'; style-src 'self'; form-action 'self'; "
                                                       "frame-ancestors 'none'; base-uri 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cache-Control"] = "no-store"

    # runs ------------------------------------------------------------------------------------------
    async def start_run(self, script: Any, visitor: str) -> dict[str, Any]:
        interp = self.interpreter()
        state, effects = interp.start(script.id, channel="web")
        state, seen = await advance(interp, state, effects, self.executor())
        record = {"run": uuid.uuid4().hex, "script": script.id, "started_at": datetime.now(UTC).isoformat(),
                  "state": state.to_json(), "screen": screen_from(seen, state), "recorded": False}
        self.publish(record, state, seen)
        await self.persist(record, state, script, visitor)
        return record

    def publish(self, record: dict[str, Any], state: RunState, effects: list[Effect]) -> None:
        bus = self.services.find(keys.EVENTS)
        if bus is not None:
            for event in events_for(record["run"], state, effects):
                bus.publish(event)

    async def persist(self, record: dict[str, Any], state: RunState, script: Any, visitor: str) -> None:
        """Save the run (state and trace) in the script_runs table, and once it ended, record it in the
        contact history linked to that run — when a storage manager runs.  The visitor's page never
        fails because of it: the file store already holds the run."""
        storage = self.services.find(keys.STORAGE)
        if storage is None or not hasattr(storage, "record_contact"):
            return
        customer = _customer_of(state, script)
        try:
            from caruso.storage.script_runs_repository import ScriptRunRecord, ScriptRunsRepository

            status = "finished" if state.ended else "running"
            await ScriptRunsRepository(storage.database).save(ScriptRunRecord(
                id=record["run"], script=script.id, script_version=state.version, host="web", status=status,
                state=state.to_json(), trace=state.trace_list, outcome=state.outcome, customer=customer,
                session=visitor))
            if state.ended and not record.get("recorded"):
                from caruso.storage.history import ContactEvent

                await storage.record_contact(ContactEvent(
                    kind="self_service", channel="web", started_at=datetime.fromisoformat(record["started_at"]),
                    ended_at=datetime.now(UTC), customer=customer, outcome=state.outcome, summary=script.title,
                    detail_kind="script_run", detail_ref=record["run"]))
                record["recorded"] = True
        except Exception:
            log.exception("storing self-service run %s failed", record["run"])

    # handlers --------------------------------------------------------------------------------------
    async def index(self, request: web.Request) -> web.Response:
        self.limit(request)
        scripts = [s for s in self.repository.public() if "web" in s.channels]
        response = web.Response(text=html.index_page(scripts), content_type="text/html")
        self.secure_headers(response)
        return response

    async def show(self, request: web.Request) -> web.Response:
        self.limit(request)
        script = self.public_script(request.match_info["script"])
        visitor, fresh = self.visitor(request)
        record = None if fresh else await self.store.load(visitor, script.id)
        state = _state_of(record)
        if record is None or state is None:
            record = await self.start_run(script, visitor)
            await self.store.save(visitor, script.id, record)
            state = RunState.from_json(record["state"])
        notice = record.pop("notice", None)
        if notice:
            await self.store.save(visitor, script.id, record)
        tokens = {"csrf": self.csrf.token(visitor), "csrf_token": await csrf_token(request)}
        page = html.run_page(script.title, request.path, tokens, record["screen"],
                             can_go_back=state.can_go_back and not state.ended, notice=notice)
        response = web.Response(text=page, content_type="text/html")
        self.remember(response, visitor, fresh)
        self.secure_headers(response)
        return response

    async def submit(self, request: web.Request) -> web.StreamResponse:
        self.limit(request)
        script = self.public_script(request.match_info["script"])
        origin = request.headers.get("Origin")
        if origin is not None and origin != "null" and origin.split("://", 1)[-1] != request.host:
            raise web.HTTPForbidden(text=html.message_page("Forbidden", "This form came from another site."),
                                    content_type="text/html")
        visitor, fresh = self.visitor(request)
        form = await request.post()
        if fresh or not self.csrf.check(visitor, str(form.get("csrf", ""))):
            raise web.HTTPForbidden(text=html.message_page(
                "Session expired", "Your session has expired. Please open the page again."), content_type="text/html")
        action = str(form.get("action", "answer"))
        record = await self.store.load(visitor, script.id)
        if record is None or _state_of(record) is None or action == "restart":
            record = await self.start_run(script, visitor)
        else:
            try:
                await self.apply(record, script, action, form, visitor)
            except (ScriptNotFound, RunError) as exc:  # e.g. the run's version is gone: start again, say so
                log.info("self-service run %s restarted: %s", record.get("run"), exc)
                record = await self.start_run(script, visitor)
                record["notice"] = "This form has changed since you started it; please start again."
        await self.store.save(visitor, script.id, record)
        raise web.HTTPSeeOther(request.path)

    async def apply(self, record: dict[str, Any], script: Any, action: str, form: Any, visitor: str) -> None:
        state = RunState.from_json(record["state"])
        current = record["screen"].get("question")
        if state.status != "question" or current is None:
            return
        if str(form.get("step", "")) != current["step"]:
            record["notice"] = "That page was out of date; here is where you are now."
            return
        interp = self.interpreter()
        if action == "back":
            if not state.can_go_back:
                return
            state, effects = interp.step(state, Back())
            screen = screen_from(effects, state)
            earlier = record.setdefault("earlier", [])
            while earlier:  # the page as it was, with the texts before the question and the answer given
                previous = earlier.pop()
                if previous["question"] and previous["question"]["step"] == screen["question"]["step"]:
                    screen = {**previous, "error": None}
                    break
            record["state"], record["screen"] = state.to_json(), screen
            self.publish(record, state, effects)
            await self.persist(record, state, script, visitor)
            return
        raw = form.get("answer")
        value = str(raw) if raw is not None else None
        state, effects = interp.step(state, Answer(value))
        invalid = next((e for e in effects if e.kind == "invalid"), None)
        if invalid is not None:
            record["screen"] = {**record["screen"], "error": invalid.data["message"], "value": value}
            return
        state, seen = await advance(interp, state, effects, self.executor())
        record.setdefault("earlier", []).append({**record["screen"], "error": None, "value": value})
        record["state"], record["screen"] = state.to_json(), screen_from(seen, state)
        self.publish(record, state, seen)
        await self.persist(record, state, script, visitor)


def setup(app: web.Application) -> None:
    holder: dict[str, SelfService] = {}

    def service(request: web.Request) -> SelfService:
        if "s" not in holder:
            holder["s"] = SelfService(request.app[SERVICES])
        return holder["s"]

    @access(PUBLIC)
    async def index(request: web.Request) -> web.StreamResponse:
        return await service(request).index(request)

    @access(PUBLIC)
    async def show(request: web.Request) -> web.StreamResponse:
        return await service(request).show(request)

    @access(PUBLIC)
    async def submit(request: web.Request) -> web.StreamResponse:
        return await service(request).submit(request)

    @access(PUBLIC)
    async def stylesheet(request: web.Request) -> web.StreamResponse:
        response = web.FileResponse(STATIC / "selfservice.css", headers={"Content-Type": "text/css"})
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    app.router.add_get("/self-service/static/selfservice.css", stylesheet)
    app.router.add_get("/self-service/", index)
    app.router.add_get("/self-service/{script}", show)
    app.router.add_post("/self-service/{script}", submit)
