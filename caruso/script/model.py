"""The immutable model of a dialog script, built by ``build.py`` from a DTD-valid XML tree.

Every element keeps its source position (``Pos``) so the semantic validator and the interpreter's
errors can point at the file, line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple, Union

from caruso.script.expr import Expression, Template

CHANNELS = ("agent", "web", "voice")
Channel = Literal["agent", "web", "voice"]


class Pos(NamedTuple):
    """Where an element starts in its file (an immutable tuple: cheap to make, one per element)."""

    file: str
    line: int
    column: int


# ---------------------------------------------------------------------------------------------- content
@dataclass(frozen=True, slots=True)
class Text:
    template: Template
    channels: frozenset[str]  # empty: any channel


@dataclass(frozen=True, slots=True)
class Audio:
    src: Template  # may interpolate, e.g. prompts/{lang}/closed.wav
    fallback: Template | None  # spoken (TTS) when the file cannot be played


@dataclass(frozen=True, slots=True)
class Content:
    texts: tuple[Text, ...] = ()
    audio: tuple[Audio, ...] = ()
    # the text each channel uses, resolved on first use (see text_for)
    by_channel: dict[str, Template | None] = field(default_factory=dict, hash=False, compare=False, repr=False)

    def _resolve(self, channel: str) -> Template | None:
        default = None
        for t in self.texts:
            if channel in t.channels:
                return t.template
            if not t.channels and default is None:
                default = t.template
        return default

    def text_for(self, channel: str) -> Template | None:
        """The channel's own text, else the text without a channel, else None."""
        try:
            return self.by_channel[channel]
        except KeyError:
            found = self.by_channel[channel] = self._resolve(channel)
            return found

    @property
    def empty(self) -> bool:
        return not self.texts and not self.audio


# ---------------------------------------------------------------------------------------------- actions
@dataclass(frozen=True, slots=True)
class FieldValue:
    name: str
    value: Expression


@dataclass(frozen=True, slots=True)
class SetAction:
    pos: Pos
    var: str
    value: Expression
    kind: Literal["set"] = "set"


@dataclass(frozen=True, slots=True)
class EmailAction:
    pos: Pos
    to: Expression
    cc: Expression | None
    subject: Template
    body: Template
    template: str  # a name for the host's records (and a mail template, if the mailer has one)
    kind: Literal["email"] = "email"


@dataclass(frozen=True, slots=True)
class UpdateAction:
    pos: Pos
    object: str
    fields: tuple[FieldValue, ...]
    kind: Literal["update"] = "update"


@dataclass(frozen=True, slots=True)
class CreateAction:
    pos: Pos
    cls: str
    fields: tuple[FieldValue, ...]
    result: str | None
    kind: Literal["create"] = "create"


@dataclass(frozen=True, slots=True)
class FindAction:
    pos: Pos
    object: str
    by: str
    value: Expression
    kind: Literal["find"] = "find"


@dataclass(frozen=True, slots=True)
class InvokeAction:
    pos: Pos
    service: str
    operation: str
    args: tuple[FieldValue, ...]
    result: str | None
    kind: Literal["invoke"] = "invoke"


Action = Union[SetAction, EmailAction, UpdateAction, CreateAction, FindAction, InvokeAction]


# ---------------------------------------------------------------------------------------------- steps
@dataclass(frozen=True, slots=True)
class Choice:
    pos: Pos
    value: str
    label: Content
    key: str | None
    next: str | None
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True, slots=True)
class Branch:
    """A ``when`` (test set) or the ``otherwise`` (test None) of a decision."""

    pos: Pos
    test: Expression | None
    next: str
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True, slots=True)
class Constraints:
    required: bool = True
    min: str | None = None
    max: str | None = None
    minlength: int | None = None
    maxlength: int | None = None
    pattern: str | None = None
    message: Template | None = None  # the author's own message for a bad answer


@dataclass(frozen=True, slots=True)
class Info:
    id: str
    pos: Pos
    content: Content
    next: str
    kind: Literal["info"] = "info"


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    pos: Pos
    type: Literal["choice", "yesno", "text", "number", "date"]
    var: str | None
    content: Content
    choices: tuple[Choice, ...]
    constraints: Constraints
    next: str | None
    kind: Literal["question"] = "question"
    # what a host needs to ask it (type and constraints), made on first use
    ask_cache: dict[str, object] = field(default_factory=dict, hash=False, compare=False, repr=False)

    @property
    def ask(self) -> dict[str, object]:
        if not self.ask_cache:
            c = self.constraints
            self.ask_cache.update({"type": self.type, "required": c.required})
            for name in ("min", "max", "minlength", "maxlength", "pattern"):
                value = getattr(c, name)
                if value is not None:
                    self.ask_cache[name] = value
        return self.ask_cache


@dataclass(frozen=True, slots=True)
class Decision:
    id: str
    pos: Pos
    branches: tuple[Branch, ...]  # the otherwise branch last
    kind: Literal["decision"] = "decision"


@dataclass(frozen=True, slots=True)
class ActionStep:
    id: str
    pos: Pos
    actions: tuple[Action, ...]
    next: str
    onerror: str | None
    kind: Literal["action"] = "action"


@dataclass(frozen=True, slots=True)
class Argument:
    pos: Pos
    name: str
    value: Expression


@dataclass(frozen=True, slots=True)
class Returned:
    pos: Pos
    var: str  # in the calling script
    source: str  # variable of the called script


@dataclass(frozen=True, slots=True)
class CallStep:
    id: str
    pos: Pos
    script: str
    args: tuple[Argument, ...]
    returns: tuple[Returned, ...]
    next: str
    onerror: str | None
    kind: Literal["call"] = "call"


@dataclass(frozen=True, slots=True)
class TransferStep:
    id: str
    pos: Pos
    content: Content
    queue: str | None
    number: Expression | None
    outcome: str
    onerror: str | None
    kind: Literal["transfer"] = "transfer"


@dataclass(frozen=True, slots=True)
class VoicemailStep:
    id: str
    pos: Pos
    content: Content
    mailbox: str
    outcome: str
    onerror: str | None
    kind: Literal["voicemail"] = "voicemail"


@dataclass(frozen=True, slots=True)
class EndStep:
    id: str
    pos: Pos
    content: Content
    outcome: str
    kind: Literal["end"] = "end"


Step = Union[Info, Question, Decision, ActionStep, CallStep, TransferStep, VoicemailStep, EndStep]
STEP_KINDS = ("info", "question", "decision", "action", "call", "transfer", "voicemail", "end")


# ---------------------------------------------------------------------------------------------- script
@dataclass(frozen=True, slots=True)
class Variable:
    pos: Pos
    name: str
    type: Literal["text", "number", "boolean", "date", "list", "any"]
    default: object
    param: bool = False
    required: bool = False


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """A business object the script uses: passed in by the host, or found by ``lookup`` = ``source``."""

    pos: Pos
    name: str
    cls: str
    lookup: str | None  # attribute of the class to match
    source: str | None  # run context value to match it with (e.g. 'caller', 'email')


@dataclass(frozen=True, slots=True)
class Script:
    id: str
    title: str
    version: str
    digest: str  # sha256 of the source: a run keeps the exact text it started with
    file: str
    pos: Pos
    start: str
    public: bool
    channels: frozenset[str]
    onerror: str | None
    description: str
    variables: tuple[Variable, ...]
    objects: tuple[ObjectRef, ...]
    steps: dict[str, Step] = field(hash=False, compare=False)
    # the exact version a run keeps: the author's version and the digest of the text ("3+5f0c1a2b3c4d")
    version_key: str = ""

    def __post_init__(self) -> None:
        if not self.version_key:
            object.__setattr__(self, "version_key", f"{self.version}+{self.digest[:12]}")

    @property
    def params(self) -> tuple[Variable, ...]:
        return tuple(v for v in self.variables if v.param)
