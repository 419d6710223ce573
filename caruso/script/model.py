"""The immutable model of a dialog script, built by ``build.py`` from a DTD-valid XML tree.

Every part of a script is an immutable NamedTuple (cheap to make: a script of 500 steps builds in
well under a millisecond).  Parts that name a place in the file keep ``at``, an opaque handle on
their source element; ``script.pos_of(part)`` turns it into a ``Pos`` (file, line, column) when an
error needs one, so no position is worked out while loading a valid script.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, NamedTuple, Protocol, Union

from caruso.script.expr import Expression, Template

if TYPE_CHECKING:
    from caruso.script.parse import Source

CHANNELS = ("agent", "web", "voice")
Channel = Literal["agent", "web", "voice"]
Handle = object  # where a part starts in its file: resolved by Script.pos_of / Source.where


class Pos(NamedTuple):
    """Where an element starts in its file."""

    file: str
    line: int
    column: int


class Located(Protocol):
    @property
    def at(self) -> Handle: ...


# ---------------------------------------------------------------------------------------------- content
class Text(NamedTuple):
    template: Template
    channels: frozenset[str]  # empty: any channel


class Audio(NamedTuple):
    src: Template  # may interpolate, e.g. prompts/{lang}/closed.wav
    fallback: Template | None  # spoken (TTS) when the file cannot be played


class Content(NamedTuple):
    texts: tuple[Text, ...]
    audio: tuple[Audio, ...]
    # the text each channel uses, resolved on first use (see text_for); a dict of its own per Content
    by_channel: dict[str, Template | None]

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


def content(texts: tuple[Text, ...] = (), audio: tuple[Audio, ...] = ()) -> Content:
    return Content(texts, audio, {})


# ---------------------------------------------------------------------------------------------- actions
class FieldValue(NamedTuple):
    name: str
    value: Expression


class SetAction(NamedTuple):
    at: Handle
    var: str
    value: Expression
    kind: Literal["set"] = "set"


class EmailAction(NamedTuple):
    at: Handle
    to: Expression
    cc: Expression | None
    subject: Template
    body: Template
    template: str  # a name for the host's records (and a mail template, if the mailer has one)
    kind: Literal["email"] = "email"


class UpdateAction(NamedTuple):
    at: Handle
    object: str
    fields: tuple[FieldValue, ...]
    kind: Literal["update"] = "update"


class CreateAction(NamedTuple):
    at: Handle
    cls: str
    fields: tuple[FieldValue, ...]
    result: str | None
    kind: Literal["create"] = "create"


class FindAction(NamedTuple):
    at: Handle
    object: str
    by: str
    value: Expression
    kind: Literal["find"] = "find"


class InvokeAction(NamedTuple):
    at: Handle
    service: str
    operation: str
    args: tuple[FieldValue, ...]
    result: str | None
    kind: Literal["invoke"] = "invoke"


Action = Union[SetAction, EmailAction, UpdateAction, CreateAction, FindAction, InvokeAction]


# ---------------------------------------------------------------------------------------------- steps
class Choice(NamedTuple):
    at: Handle
    value: str
    label: Content
    key: str | None
    next: str | None
    actions: tuple[Action, ...] = ()


class Branch(NamedTuple):
    """A ``when`` (test set) or the ``otherwise`` (test None) of a decision."""

    at: Handle
    test: Expression | None
    next: str
    actions: tuple[Action, ...] = ()


class Constraints(NamedTuple):
    required: bool = True
    min: str | None = None
    max: str | None = None
    minlength: int | None = None
    maxlength: int | None = None
    pattern: str | None = None
    message: Template | None = None  # the author's own message for a bad answer


class Info(NamedTuple):
    id: str
    at: Handle
    content: Content
    next: str
    kind: Literal["info"] = "info"


class Question(NamedTuple):
    id: str
    at: Handle
    type: Literal["choice", "yesno", "text", "number", "date"]
    var: str | None
    content: Content
    choices: tuple[Choice, ...]
    constraints: Constraints
    next: str | None
    # what a host needs to ask it (type and constraints), made on first use; a dict of its own per Question
    ask_cache: dict[str, object]
    kind: Literal["question"] = "question"

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


class Decision(NamedTuple):
    id: str
    at: Handle
    branches: tuple[Branch, ...]  # the otherwise branch last
    kind: Literal["decision"] = "decision"


class ActionStep(NamedTuple):
    id: str
    at: Handle
    actions: tuple[Action, ...]
    next: str
    onerror: str | None
    kind: Literal["action"] = "action"


class Argument(NamedTuple):
    at: Handle
    name: str
    value: Expression


class Returned(NamedTuple):
    at: Handle
    var: str  # in the calling script
    source: str  # variable of the called script


class CallStep(NamedTuple):
    id: str
    at: Handle
    script: str
    args: tuple[Argument, ...]
    returns: tuple[Returned, ...]
    next: str
    onerror: str | None
    kind: Literal["call"] = "call"


class TransferStep(NamedTuple):
    id: str
    at: Handle
    content: Content
    queue: str | None
    number: Expression | None
    outcome: str
    onerror: str | None
    kind: Literal["transfer"] = "transfer"


class VoicemailStep(NamedTuple):
    id: str
    at: Handle
    content: Content
    mailbox: str
    outcome: str
    onerror: str | None
    kind: Literal["voicemail"] = "voicemail"


class EndStep(NamedTuple):
    id: str
    at: Handle
    content: Content
    outcome: str
    kind: Literal["end"] = "end"


Step = Union[Info, Question, Decision, ActionStep, CallStep, TransferStep, VoicemailStep, EndStep]
STEP_KINDS = ("info", "question", "decision", "action", "call", "transfer", "voicemail", "end")


# ---------------------------------------------------------------------------------------------- script
class Variable(NamedTuple):
    at: Handle
    name: str
    type: Literal["text", "number", "boolean", "date", "list", "any"]
    default: object
    param: bool = False
    required: bool = False


class ObjectRef(NamedTuple):
    """A business object the script uses: passed in by the host, or found by ``lookup`` = ``source``."""

    at: Handle
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
    at: Handle
    start: str
    public: bool
    channels: frozenset[str]
    onerror: str | None
    description: str
    variables: tuple[Variable, ...]
    objects: tuple[ObjectRef, ...]
    steps: dict[str, Step] = field(hash=False, compare=False)
    # resolves the ``at`` handles of this script's parts into positions (the parsed file)
    source: Source | None = field(default=None, hash=False, compare=False, repr=False)
    # the exact version a run keeps: the author's version and the digest of the text ("3+5f0c1a2b3c4d")
    version_key: str = ""

    def __post_init__(self) -> None:
        if not self.version_key:
            object.__setattr__(self, "version_key", f"{self.version}+{self.digest[:12]}")

    def pos_of(self, part: Located | Script) -> Pos:
        """File, line and column where *part* (a step, branch, action, declaration…) starts."""
        if self.source is None:
            return Pos(self.file, 1, 1)
        return Pos(self.file, *self.source.where(part.at))

    @property
    def pos(self) -> Pos:
        return self.pos_of(self)

    @property
    def params(self) -> tuple[Variable, ...]:
        return tuple(v for v in self.variables if v.param)
