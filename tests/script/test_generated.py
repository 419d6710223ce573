"""Property tests over generated scripts (hypothesis): any valid structure — questions of every type,
decisions with loops, actions, sub-script calls — never crashes the interpreter on random inputs, every
run ends or waits for input, and *back* then the same inputs gives the same path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caruso.script import load_script
from caruso.script.inputs import ActionResult, Answer, Back, Input
from caruso.script.interpreter import Interpreter, ScriptSet
from caruso.script.state import RunState

SUB = '''<script id="sub" title="sub" start="a">
  <param name="p" type="number" default="1"/><var name="r" type="number" default="0"/>
  <question id="a" type="number" var="r" next="b"><text>Sub {p}?</text></question>
  <decision id="b"><when test="r &gt; p" next="c"/><otherwise next="d"/></decision>
  <end id="c" outcome="big"/><end id="d" outcome="small"/>
</script>'''

TESTS = ["n &gt; 3", "flag", "not flag and n != 2", "t == 'x'", "len(t) &gt; 2 or n &lt; 0", "'a' in t",
         "answers.s0 == null", "n % 2 == 0"]
ANSWERS = st.one_of(st.none(), st.booleans(), st.integers(-5, 50), st.text(max_size=6),
                    st.sampled_from(["x", "a", "yes", "no", "1", "2", "2026-01-31", "abc"]))


@st.composite
def scripts(draw: st.DrawFn) -> str:
    n = draw(st.integers(3, 14))
    steps = []
    for i in range(n - 1):
        nxt = f"s{i + 1}"
        anywhere = st.sampled_from([f"s{j}" for j in range(n)])
        kind = draw(st.sampled_from(["info", "question", "decision", "action", "call"]))
        if kind == "info":
            steps.append(f'<info id="s{i}" next="{nxt}"><text>Info {i}: {{n}} {{t}}</text></info>')
        elif kind == "question":
            qtype = draw(st.sampled_from(["choice", "yesno", "text", "number", "date"]))
            var = {"yesno": ' var="flag"', "text": ' var="t"', "number": ' var="n"'}.get(qtype, "")
            extra = {"number": ' min="-3" max="40"', "text": ' maxlength="5" required="no"',
                     "date": ' min="2020-01-01"'}.get(qtype, "")
            choices = ""
            if qtype == "choice":
                values = ["x", "a", "zz"][:draw(st.integers(1, 3))]
                targets = [nxt] + [draw(anywhere) for _ in values[1:]]  # the first choice always moves on
                choices = "".join(f'<choice value="{v}" key="{k}" next="{target}"><set var="t" value="\'{v}\'"/>'
                                  f'</choice>' for k, (v, target) in enumerate(zip(values, targets), 1))
                steps.append(f'<question id="s{i}" type="choice"{var}><text>Q{i}</text>{choices}</question>')
            else:
                steps.append(f'<question id="s{i}" type="{qtype}"{var}{extra} next="{nxt}"><text>Q{i}</text></question>')
        elif kind == "decision":
            whens = "".join(f'<when test="{draw(st.sampled_from(TESTS))}" next="{draw(anywhere)}"/>'
                            for _ in range(draw(st.integers(1, 3))))
            steps.append(f'<decision id="s{i}">{whens}<otherwise next="{nxt}"/></decision>')
        elif kind == "action":
            steps.append(f'<action id="s{i}" next="{nxt}"><set var="n" value="n + 1"/></action>')
        else:
            steps.append(f'<call id="s{i}" script="sub" next="{nxt}"><with name="p" value="n"/>'
                         f'<return var="n" from="r"/></call>')
    steps.append(f'<end id="s{n - 1}" outcome="done"><text>End {{n}}</text></end>')
    return ('<script id="gen" title="generated" start="s0">'
            '<var name="n" type="number" default="0"/><var name="flag" type="boolean"/><var name="t" type="text"/>'
            + "".join(steps) + "</script>")


def interpreter_for(tmp: Path, text: str) -> Interpreter:
    (tmp / "sub.xml").write_text(SUB)
    (tmp / "gen.xml").write_text(text)
    sub = load_script(tmp / "sub.xml")
    gen = load_script(tmp / "gen.xml", {"sub": sub})
    return Interpreter(ScriptSet({"sub": sub, "gen": gen}), clock=lambda: 1_795_000_000.0)


def drive(interp: Interpreter, data: st.DataObject, limit: int = 30) -> list[tuple[RunState, list[Input]]]:
    state, _ = interp.start("gen", channel=data.draw(st.sampled_from(["agent", "web", "voice"])))
    history: list[tuple[RunState, list[Input]]] = []
    for _ in range(limit):
        assert state.status in ("question", "action", "ended")
        if state.ended:
            break
        if state.status == "question":
            history.append((state, []))
            inp: Input = Answer(data.draw(ANSWERS))
        else:
            inp = ActionResult(ok=True)
        history[-1][1].append(inp) if history else None
        state, effects = interp.step(state, inp)
        if state.status == "action":
            assert state.pending is not None
    history.append((state, []))
    return history


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(text=scripts(), data=st.data())
def test_generated_scripts_never_crash_and_back_replays(tmp_path: Path, text: str, data: st.DataObject) -> None:
    interp = interpreter_for(tmp_path, text)
    history = drive(interp, data)
    final: Any = history[-1][0]
    assert final.status in ("question", "ended")
    if final.ended:
        assert final.outcome == "done" or final.outcome == "error"
    for (earlier, inputs), (later, _) in zip(history, history[1:]):
        if earlier.status != "question" or not later.can_go_back or later.status == "action":
            continue
        back, _ = interp.step(later, Back())
        if back.step_id != earlier.step_id or len(back.frames) != len(earlier.frames) \
                or back.path_list != earlier.path_list:
            continue  # an invalid answer repeated the same question: its checkpoint is the earlier one
        replay = back
        for inp in inputs:
            replay, _ = interp.step(replay, inp)
        assert replay.path_list == later.path_list
        assert [f.vars for f in replay.frames] == [f.vars for f in later.frames]
