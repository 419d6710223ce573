"""Turn an action (or a transfer/voicemail step) into the effect a host carries out, evaluating its
expressions in the run's scope.  Pure."""

from __future__ import annotations

from typing import Any

from caruso.script import model as m
from caruso.script.effects import Effect
from caruso.script.expr import Scope


def _addresses(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if v]
    return [part.strip() for part in str(value).replace(";", ",").split(",") if part.strip()]


def _fields(fields: tuple[m.FieldValue, ...], scope: Scope) -> dict[str, Any]:
    return {f.name: f.value(scope) for f in fields}


def build_action_effect(item: m.Action | m.Step, scope: Scope, script: m.Script) -> Effect:
    if isinstance(item, m.EmailAction):
        return Effect("email", {"to": _addresses(item.to(scope)),
                                "cc": _addresses(item.cc(scope)) if item.cc is not None else [],
                                "subject": item.subject.render(scope), "body": item.body.render(scope),
                                "template": item.template})
    if isinstance(item, m.UpdateAction):
        obj = scope.objects.get(item.object)
        key = obj.get("id") if isinstance(obj, dict) else None
        return Effect("update", {"object": item.object, "class": _class_of(script, item.object), "id": key,
                                 "fields": _fields(item.fields, scope)})
    if isinstance(item, m.CreateAction):
        return Effect("create", {"class": item.cls, "fields": _fields(item.fields, scope), "result": item.result})
    if isinstance(item, m.FindAction):
        return Effect("find", {"object": item.object, "class": _class_of(script, item.object), "by": item.by,
                               "value": item.value(scope)})
    if isinstance(item, m.InvokeAction):
        return Effect("invoke", {"service": item.service, "operation": item.operation,
                                 "args": _fields(item.args, scope), "result": item.result})
    if isinstance(item, m.TransferStep):
        return Effect("transfer", {"queue": item.queue,
                                   "number": item.number(scope) if item.number is not None else None,
                                   "outcome": item.outcome})
    if isinstance(item, m.VoicemailStep):
        return Effect("voicemail", {"mailbox": item.mailbox, "outcome": item.outcome})
    raise TypeError(f"not a host action: {item!r}")


def _class_of(script: m.Script, name: str) -> str | None:
    return next((o.cls for o in script.objects if o.name == name), None)
