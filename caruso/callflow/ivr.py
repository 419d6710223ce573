"""``IvrHost``: runs a dialog script on a phone call (the voice channel).

Step effects become prompts (the step's ``<audio src>`` file when it exists, else its text through TTS);
a question is asked with DTMF: a ``choice`` takes one key (mapped to the choice's value), a ``text``
question takes digits up to ``#``.  Silence re-asks up to ``tries`` times.  Actions on the phone:
``transfer`` (to an ACD queue, or a number) and ``voicemail`` are carried out by the flow's callbacks;
other actions go to an optional executor (storage/mail actions of the server) or fail into the script's
error path.  The script's outcome is returned.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caruso.script.effects import Effect
from caruso.script.hosts.driver import ActionExecutor, execute_safely
from caruso.script.inputs import ActionResult, Answer
from caruso.script.interpreter import Interpreter
from caruso.telephony.interface import Call, CallEnded, Prompt

log = logging.getLogger(__name__)

PhoneAction = Callable[[Call, dict[str, Any], list[Prompt]], Awaitable[ActionResult]]


@dataclass(frozen=True)
class IvrSettings:
    tries: int = 3
    first_timeout: float = 6.0
    inter_digit_timeout: float = 4.0
    max_text_digits: int = 20


class IvrHost:
    def __init__(self, interpreter: Interpreter, prompt_dirs: list[Path], executor: ActionExecutor | None = None,
                 settings: IvrSettings | None = None) -> None:
        self.interpreter = interpreter
        self.prompt_dirs = prompt_dirs
        self.executor = executor
        self.settings = settings or IvrSettings()

    def _language(self, state: Any) -> str:
        frames = getattr(state, "frames", ())
        lang = frames[-1].vars.get("lang") if frames else None
        return lang if isinstance(lang, str) and lang else "en"

    def prompts(self, effect: Effect, language: str) -> list[Prompt]:
        out: list[Prompt] = []
        audio = effect.get("audio") or []
        for item in audio:
            src = item.get("src")
            path = self._find(src) if src else None
            if path is not None:
                out.append(Prompt(file=path))
            elif item.get("text"):
                out.append(Prompt(text=item["text"], language=language))
        if not out and effect.get("text"):
            out.append(Prompt(text=str(effect.get("text")), language=language))
        return out

    def _find(self, src: str) -> Path | None:
        for folder in self.prompt_dirs:
            path = (folder / src).resolve()
            if path.is_file() and folder.resolve() in path.parents:
                return path
        return None

    async def run(self, call: Call, script_id: str, *, context: dict[str, Any] | None = None,
                  objects: dict[str, Any] | None = None, actions: dict[str, PhoneAction] | None = None) -> str:
        """Run *script_id* on *call*; *actions* carry out the phone's own actions (transfer, voicemail)."""
        state, effects = self.interpreter.start(script_id, channel="voice", context=context or {}, objects=objects)
        tries = 0
        while True:
            language = self._language(state)
            prompts: list[Prompt] = []
            last_step: dict[str, Any] = {}
            for effect in effects:
                if effect.kind in ("step", "invalid"):
                    if effect.kind == "step":
                        last_step = effect.data
                    prompts += self.prompts(effect, language)
                elif effect.kind == "error":
                    log.info("IVR %s on %s: %s", script_id, call.id, effect.get("message"))
            if state.status == "question":
                answer = await self._ask(call, prompts, last_step or self._question(state))
                if answer is None:
                    tries += 1
                    if tries >= self.settings.tries:
                        return "no_input"
                    state, effects = state, [Effect("step", last_step or self._question(state))]
                    continue
                tries = 0
                state, effects = self.interpreter.step(state, Answer(answer))
            elif state.status == "action" and state.pending is not None:
                pending = dict(state.pending)
                kind = pending.pop("effect")
                result = await self._act(call, kind, pending, prompts, state, actions or {})
                state, effects = self.interpreter.step(state, result)
            else:
                if prompts:
                    await call.play(prompts)
                return str(state.outcome or "ended")

    def _question(self, state: Any) -> dict[str, Any]:
        step = self.interpreter.current_step(state)
        return {"step": step.id}

    async def _ask(self, call: Call, prompts: list[Prompt], step: dict[str, Any]) -> str | None:
        spec = step.get("input") or {}
        s = self.settings
        if spec.get("type") == "choice":
            choices = {c.get("key"): c.get("value") for c in spec.get("choices", []) if c.get("key")}
            got = await call.collect(prompts or None, max_digits=1, terminator="", first_timeout=s.first_timeout)
            if got.timed_out and not got.digits:
                return None
            return choices.get(got.digits, got.digits)
        got = await call.collect(prompts or None, max_digits=s.max_text_digits, terminator="#",
                                 first_timeout=s.first_timeout, inter_digit_timeout=s.inter_digit_timeout)
        if got.timed_out and not got.digits:
            return None if spec.get("required", True) else ""
        return got.digits

    async def _act(self, call: Call, kind: str, data: dict[str, Any], prompts: list[Prompt], state: Any,
                   actions: dict[str, PhoneAction]) -> ActionResult:
        action = actions.get(kind)
        if action is not None:
            try:
                return await action(call, data, prompts)
            except CallEnded:
                raise
            except Exception as exc:
                log.warning("IVR action %s failed: %s", kind, exc, exc_info=True)
                return ActionResult(ok=False, error=f"{kind} failed: {exc}")
        if prompts:
            await call.play(prompts)
        if self.executor is None:
            return ActionResult(ok=False, error=f"the phone cannot carry out {kind!r}")
        return await execute_safely(self.executor, Effect(kind, data), state)
