"""HTML of the self-service pages.  Everything from scripts, answers and business objects is escaped
here; pages are plain accessible forms (labels, fieldsets, error messages tied to their input) that
work without JavaScript."""

from __future__ import annotations

from html import escape
from typing import Any

STYLE = "/self-service/static/selfservice.css"


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n") if p.strip())


def layout(title: str, body: str, *, status: str = "") -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(title)}</title><link rel=\"stylesheet\" href=\"{STYLE}\"></head>"
        f"<body><header><a href=\"/self-service/\">Self-service</a></header><main id=\"main\">{status}{body}</main>"
        "</body></html>"
    )


def index_page(scripts: list[Any]) -> str:
    items = "".join(
        f"<li><a href=\"/self-service/{escape(s.id)}\">{escape(s.title)}</a>"
        + (f"<p>{escape(s.description)}</p>" if s.description else "") + "</li>"
        for s in scripts)
    body = "<h1>How can we help?</h1>" + (f"<ul class=\"scripts\">{items}</ul>" if items
                                          else "<p>No self-service is available right now.</p>")
    return layout("Self-service", body)


def _input(ask: dict[str, Any], value: Any, described: str) -> str:
    kind = ask.get("type")
    aria = f" aria-describedby=\"{described}\"" if described else ""
    if kind in ("choice", "yesno"):
        options = ask.get("choices") or [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}]
        radios = []
        for i, opt in enumerate(options):
            checked = " checked" if value is not None and str(value) == str(opt["value"]) else ""
            radios.append(f"<div class=\"option\"><input type=\"radio\" id=\"answer-{i}\" name=\"answer\" "
                          f"value=\"{escape(str(opt['value']))}\"{checked}{aria}>"
                          f"<label for=\"answer-{i}\">{escape(str(opt['label']))}</label></div>")
        return "".join(radios)
    html_type = {"number": "text", "date": "date"}.get(kind, "text")
    mode = " inputmode=\"decimal\"" if kind == "number" else ""
    shown = "" if value is None else escape(str(value))
    return f"<input type=\"{html_type}\" id=\"answer\" name=\"answer\" value=\"{shown}\"{mode}{aria} autofocus>"


def _hidden(fields: dict[str, str]) -> str:
    return "".join(f"<input type=\"hidden\" name=\"{escape(k)}\" value=\"{escape(v)}\">" for k, v in fields.items())


def question_form(action: str, csrf: dict[str, str], screen: dict[str, Any], *, can_go_back: bool) -> str:
    step = screen["question"]
    ask = step.get("input", {})
    error = screen.get("error")
    texts = "".join(f"<div class=\"info\">{_paragraphs(t)}</div>" for t in screen.get("texts", []))
    question_text = step.get("text") or ""
    described = "answer-error" if error else ""
    error_html = (f"<p class=\"error\" id=\"answer-error\" role=\"alert\">{escape(error)}</p>" if error else "")
    optional = "" if ask.get("required", True) else " <span class=\"optional\">(optional)</span>"
    control = _input(ask, screen.get("value"), described)
    if ask.get("type") in ("choice", "yesno"):
        field = (f"<fieldset><legend>{_paragraphs(question_text) or 'Your answer'}{optional}</legend>"
                 f"{error_html}{control}</fieldset>")
    else:
        field = (f"<div class=\"field\"><label for=\"answer\">{_paragraphs(question_text) or 'Your answer'}"
                 f"{optional}</label>{error_html}{control}</div>")
    back = ("<button type=\"submit\" name=\"action\" value=\"back\" class=\"secondary\" formnovalidate>Back</button>"
            if can_go_back else "")
    return (
        f"{texts}<form method=\"post\" action=\"{escape(action)}\" novalidate>{_hidden(csrf)}"
        f"<input type=\"hidden\" name=\"step\" value=\"{escape(step['step'])}\">"
        f"{field}<div class=\"buttons\"><button type=\"submit\" name=\"action\" value=\"answer\">Continue</button>"
        f"{back}</div></form>"
    )


def end_page(action: str, csrf: dict[str, str], screen: dict[str, Any]) -> str:
    texts = "".join(f"<div class=\"info\">{_paragraphs(t)}</div>" for t in screen.get("texts", []))
    return (
        f"<section class=\"done\" aria-live=\"polite\">{texts or '<p>Done.</p>'}</section>"
        f"<form method=\"post\" action=\"{escape(action)}\">{_hidden(csrf)}"
        "<button type=\"submit\" name=\"action\" value=\"restart\" class=\"secondary\">"
        "Start again</button></form>"
    )


def run_page(title: str, action: str, csrf: dict[str, str], screen: dict[str, Any], *, can_go_back: bool,
             notice: str | None = None) -> str:
    status = f"<p class=\"notice\" role=\"status\">{escape(notice)}</p>" if notice else ""
    if screen.get("question") is not None:
        body = question_form(action, csrf, screen, can_go_back=can_go_back)
    else:
        body = end_page(action, csrf, screen)
    return layout(title, f"<h1>{escape(title)}</h1>{body}", status=status)


def message_page(title: str, message: str) -> str:
    return layout(title, f"<h1>{escape(title)}</h1><p>{escape(message)}</p>")
