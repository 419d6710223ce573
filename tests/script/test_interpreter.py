"""The interpreter on its own: pure steps, back, resume from JSON, error paths, sub-scripts, channels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from caruso.script import RunError, load_files
from caruso.script.effects import Effect
from caruso.script.inputs import ActionResult, Answer, Back
from caruso.script.interpreter import Interpreter, ScriptSet
from caruso.script.state import RunState

CUSTOMER = {"id": 1, "number": "C100234", "firstName": "Claire", "lastName": "Martin",
            "email": "claire@example.org", "vip": False,
            "contracts": [{"id": 10, "number": "EL-1", "product": "Basic", "monthlyAmount": 60}]}


def kinds(effects: list[Effect]) -> list[str]:
    return [e.kind for e in effects]


def steps(effects: list[Effect]) -> list[str]:
    return [e.data["step"] for e in effects if e.kind == "step"]


def test_step_is_pure_the_given_state_is_never_changed(interpreter: Interpreter) -> None:
    state, _ = interpreter.start("outage-report", channel="web")
    before = json.dumps(state.to_json(), sort_keys=True)
    interpreter.step(state, Answer("electricity"))
    interpreter.step(state, Answer("gas"))
    assert json.dumps(state.to_json(), sort_keys=True) == before


def test_same_inputs_same_effects(interpreter: Interpreter) -> None:
    def run() -> list[dict[str, Any]]:
        state, effects = interpreter.start("outage-report", channel="web")
        out = [e.as_dict() for e in effects]
        for answer in ("electricity", "75011", "now", "no", ""):
            state, effects = interpreter.step(state, Answer(answer))
            out += [e.as_dict() for e in effects]
        return out
    assert run() == run()


def test_back_re_evaluates_the_path(interpreter: Interpreter) -> None:
    state, _ = interpreter.start("outage-report", channel="web")
    state, effects = interpreter.step(state, Answer("gas"))
    assert steps(effects) == ["gas-smell"]
    state, effects = interpreter.step(state, Answer("yes"))
    assert state.outcome == "emergency"
    state, effects = interpreter.step(state, Back())  # the agent corrects: no smell after all
    assert state.status == "question" and state.step_id == "gas-smell" and state.outcome is None
    state, effects = interpreter.step(state, Answer("no"))
    assert steps(effects) == ["is-emergency", "postcode"]
    state, effects = interpreter.step(state, Back(to="energy"))
    state, effects = interpreter.step(state, Answer("electricity"))
    assert steps(effects) == ["postcode"]
    assert state.path_list == ["energy", "postcode"]
    trace = [t["event"] for t in state.trace_list]
    assert trace.count("back") == 2


def test_back_with_nothing_before_is_an_error(interpreter: Interpreter) -> None:
    state, _ = interpreter.start("outage-report", channel="web")
    with pytest.raises(RunError):
        interpreter.step(state, Back())


def test_state_survives_json_and_the_run_resumes(interpreter: Interpreter) -> None:
    state, _ = interpreter.start("move-house", channel="web", objects={"customer": CUSTOMER})
    state, _ = interpreter.step(state, ActionResult(ok=True, value={"id": 10, "number": "EL-1", "product": "Basic"}))
    state, _ = interpreter.step(state, Answer("8 rue Neuve"))
    stored = json.loads(json.dumps(state.to_json()))
    resumed = RunState.from_json(stored)
    a, ea = interpreter.step(state, Answer("75012"))
    b, eb = interpreter.step(resumed, Answer("75012"))
    assert [e.as_dict() for e in ea] == [e.as_dict() for e in eb]
    assert a.to_json() == b.to_json()
    # back works after a resume too
    c, _ = interpreter.step(b, Back())
    assert c.step_id == "ask-postcode"


def test_actions_wait_for_the_host_and_results_land_in_variables(interpreter: Interpreter) -> None:
    state, effects = interpreter.start("billing-dispute", objects={"customer": CUSTOMER})
    assert state.status == "action" and state.pending["effect"] == "invoke"
    assert effects[-1].data == {"service": "erp", "operation": "balance", "args": {"customer": "C100234"},
                                "result": "balance"}
    with pytest.raises(RunError):
        interpreter.step(state, Answer("x"))
    state, effects = interpreter.step(state, ActionResult(ok=True, value={"amount": 10, "overdue": 0}))
    summary = next(e for e in effects if e.kind == "step" and e.data["step"] == "summary")
    assert "Balance: 10.00 EUR, 0 invoice(s) overdue." in summary.data["text"]
    assert state.current.vars["balance"] == {"amount": 10, "overdue": 0}


def test_a_failed_action_without_its_own_path_takes_the_script_error_path(interpreter: Interpreter) -> None:
    state, _ = interpreter.start("billing-dispute", objects={"customer": CUSTOMER})
    state, _ = interpreter.step(state, ActionResult(ok=True, value={"amount": 10, "overdue": 0}))
    for answer in ("other", 30, "yes"):
        state, _ = interpreter.step(state, Answer(answer))
    assert state.pending["effect"] == "create"
    state, effects = interpreter.step(state, ActionResult(ok=False, error="database is read-only"))
    assert kinds(effects) == ["error", "step", "end"]
    assert state.outcome == "error"
    assert "database is read-only" in effects[1].data["text"]


def test_without_any_error_path_a_failure_ends_the_run_with_outcome_error(tmp_path: Path) -> None:
    (tmp_path / "s.xml").write_text('''<?xml version="1.0"?>
<script id="s" title="s" start="a">
  <action id="a" next="b"><email to="'x@example.org'" subject="hi">body</email></action>
  <end id="b" outcome="ok"/>
</script>''')
    scripts = load_files([tmp_path / "s.xml"]).scripts
    interp = Interpreter(ScriptSet(scripts))
    state, _ = interp.start("s")
    state, effects = interp.step(state, ActionResult(ok=False, error="SMTP refused"))
    assert state.outcome == "error" and state.error == "SMTP refused"


def test_sub_script_returns_values_and_objects(interpreter: Interpreter) -> None:
    state, effects = interpreter.start("move-house", channel="web")
    assert steps(effects) == ["welcome", "identify", "identify-customer:known", "identify-customer:ask-number"]
    assert "to find your contract" in effects[-1].data["text"]
    state, effects = interpreter.step(state, Answer("100234"))
    assert state.pending == {"effect": "find", "object": "customer", "class": "Customer", "by": "number",
                             "value": "C100234"}
    state, effects = interpreter.step(state, ActionResult(ok=True, value=CUSTOMER))
    assert steps(effects) == ["identify-customer:check", "identify-customer:done", "is-identified", "load-contract"]
    assert state.current.vars["identified"] is True
    assert state.current.objects["customer"] == CUSTOMER
    assert len(state.frames) == 1


def test_content_per_channel_with_fallback(interpreter: Interpreter) -> None:
    _, web = interpreter.start("move-house", channel="web")
    _, agent = interpreter.start("move-house", channel="agent")
    _, voice = interpreter.start("move-house", channel="voice")
    assert web[0].data["text"].startswith("Moving house? Tell us")
    assert agent[0].data["text"].startswith("The customer is moving house")
    assert voice[0].data["text"].startswith("Moving house? Tell us")  # no voice text: the default one
    assert voice[-1].data["text"] == "Please type your customer number, then the hash key."


def test_texts_are_plain_the_web_host_escapes_them(interpreter: Interpreter) -> None:
    state, _ = interpreter.start("move-house", channel="web", objects={"customer": {**CUSTOMER, "firstName": "<b>"}})
    state, effects = interpreter.step(state, ActionResult(ok=True, value={"number": "EL-1"}))
    assert effects[-1].data["text"].startswith("Hello <b> Martin.")


def test_a_loop_without_input_is_stopped(tmp_path: Path) -> None:
    (tmp_path / "loop.xml").write_text('''<?xml version="1.0"?>
<script id="loop" title="l" start="a">
  <var name="n" type="number" default="0"/>
  <action id="a" next="d"><set var="n" value="n + 1"/></action>
  <decision id="d"><when test="n &lt; 0" next="e"/><otherwise next="a"/></decision>
  <end id="e" outcome="never"/>
</script>''')
    interp = Interpreter(ScriptSet(load_files([tmp_path / "loop.xml"]).scripts))
    state, effects = interp.start("loop")
    assert state.outcome == "error" and "without waiting" in (state.error or "")


def test_required_parameters_are_checked(tmp_path: Path, interpreter: Interpreter) -> None:
    with pytest.raises(RunError, match="no parameter"):
        interpreter.start("identify-customer", params={"nope": 1})
    with pytest.raises(RunError, match="no parameter"):  # a plain variable is not a parameter
        interpreter.start("identify-customer", params={"found": True})
    state, effects = interpreter.start("identify-customer", params={"reason": "for the test"})
    assert "for the test" in effects[-1].data["text"]


def test_back_while_an_action_is_pending_returns_to_the_last_question(interpreter: Interpreter) -> None:
    state, _ = interpreter.start("move-house", channel="web")
    state, _ = interpreter.step(state, Answer("100234"))
    assert state.status == "action" and state.can_go_back
    back, effects = interpreter.step(state, Back())
    assert back.status == "question" and back.step_id == "ask-number" and back.pending is None
    assert effects[-1].data["step"] == "identify-customer:ask-number"


def test_declared_objects_are_looked_up_from_the_run_context(interpreter: Interpreter) -> None:
    state, effects = interpreter.start("outage-report", channel="agent", context={"caller": "+33140000001"})
    assert state.pending == {"effect": "find", "object": "customer", "class": "Customer", "by": "phone",
                             "value": "+33140000001", "lookup": True}
    found, effects = interpreter.step(state, ActionResult(ok=True, value=CUSTOMER))
    assert found.current.objects["customer"] == CUSTOMER and found.step_id == "energy"
    # a failed look-up leaves the object unknown; it is not an error of the script
    unknown, effects = interpreter.step(state, ActionResult(ok=False, error="database down"))
    assert unknown.current.objects["customer"] is None and unknown.step_id == "energy" and unknown.error is None
    # given objects and an empty context need no look-up
    given, _ = interpreter.start("outage-report", objects={"customer": CUSTOMER}, context={"caller": "+331"})
    nobody, _ = interpreter.start("outage-report", context={})
    assert given.status == nobody.status == "question"
