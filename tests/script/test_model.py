"""The model is immutable and complete, and positions worked out lazily (only when a problem is
reported) still point at the exact line and column, even with several elements on one line."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from caruso.script import ScriptLoadError, load_script
from caruso.script import model as m


def parts(value: Any) -> Any:
    """Every model part reachable from *value* (NamedTuples of the model, in tuples and dicts)."""
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        yield value
        for item in value:
            yield from parts(item)
    elif isinstance(value, tuple):
        for item in value:
            yield from parts(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from parts(item)


def test_every_part_of_every_shipped_script_is_whole_and_immutable(shipped: dict[str, m.Script]) -> None:
    kinds = set()
    for script in shipped.values():
        for part in parts((script.steps, script.variables, script.objects)):
            kinds.add(type(part).__name__)
            # parts are made with tuple.__new__ in the loader: every field must be there, in order
            assert len(part) == len(type(part)._fields), (script.id, part)
            if "kind" in type(part)._fields:
                assert part.kind == type(part)._field_defaults["kind"], part
            with pytest.raises(AttributeError):
                part.id = "changed"
        with pytest.raises(dataclasses.FrozenInstanceError):
            script.start = "elsewhere"  # type: ignore[misc]
    assert {"Info", "Question", "Decision", "ActionStep", "EndStep", "Branch", "Choice", "Content", "Text",
            "SetAction", "Constraints", "Variable", "ObjectRef"} <= kinds


def test_positions_resolve_from_the_parts(tmp_path: Path) -> None:
    path = tmp_path / "pos.xml"
    path.write_text('<?xml version="1.0"?>\n'
                    '<script id="pos" title="p" start="a">\n'
                    '  <var name="n" type="number"/>\n'
                    '  <decision id="a"><when test="n &gt; 1" next="b"/><otherwise next="b"/></decision>\n'
                    '  <end id="b" outcome="o"/>\n'
                    '</script>\n')
    script = load_script(path)
    decision = script.steps["a"]
    assert isinstance(decision, m.Decision)
    assert script.pos == m.Pos(str(path), 2, 1)
    assert script.pos_of(decision) == m.Pos(str(path), 4, 3)
    assert script.pos_of(decision.branches[0]) == m.Pos(str(path), 4, 20)
    assert script.pos_of(decision.branches[1]) == m.Pos(str(path), 4, 52)
    assert script.pos_of(script.variables[0]) == m.Pos(str(path), 3, 3)


def test_problems_on_one_line_each_point_at_their_own_element(tmp_path: Path) -> None:
    path = tmp_path / "line.xml"
    path.write_text('<?xml version="1.0"?>\n'
                    '<script id="line" title="l" start="a">\n'
                    '  <decision id="a"><when test="true" next="b"/><when test="false" next="nope"/>'
                    '<otherwise next="b"><set var="ghost" value="1"/></otherwise></decision>\n'
                    '  <!-- <info id="commented" next="b"/> -->\n'
                    '  <question id="q" type="choice" next="b"><text>?</text><choice value="x" key="12"/></question>'
                    '<end id="b" outcome="o"/>\n'
                    '</script>\n')
    with pytest.raises(ScriptLoadError) as err:
        load_script(path)
    got = {str(p).removeprefix(f"{path}:") for p in err.value.problems}
    assert got == {
        "3:48: next='nope': there is no step 'nope'",
        "3:100: variable 'ghost' is not declared: add <var name=\"ghost\" …/>",
        "5:57: key= must be one DTMF key (0-9, * or #), not '12'",
        "5:3: step 'q' is unreachable from the start step 'a'",
    }, got


def test_way_out_found_whatever_order_the_steps_are_reached_in(tmp_path: Path) -> None:
    # x is reached before b but only gets out through b: the quick backward pass cannot settle x,
    # the exact search must (and must still flag the loop y <-> z that never ends)
    path = tmp_path / "order.xml"
    path.write_text('<?xml version="1.0"?>\n'
                    '<script id="order" title="o" start="a">\n'
                    '  <var name="n" type="number"/>\n'
                    '  <decision id="a"><when test="n == 1" next="b"/><when test="n == 2" next="y"/>'
                    '<otherwise next="x"/></decision>\n'
                    '  <info id="x" next="b"><text>x</text></info>\n'
                    '  <info id="b" next="e"><text>b</text></info>\n'
                    '  <info id="y" next="z"><text>y</text></info>\n'
                    '  <info id="z" next="y"><text>z</text></info>\n'
                    '  <end id="e" outcome="o"/>\n'
                    '</script>\n')
    with pytest.raises(ScriptLoadError) as err:
        load_script(path)
    got = {str(p).removeprefix(f"{path}:") for p in err.value.problems}
    assert got == {"7:3: step 'y' has no way out: no path from it reaches an end",
                   "8:3: step 'z' has no way out: no path from it reaches an end"}, got
    path.write_text(path.read_text().replace('id="z" next="y"', 'id="z" next="e"'))
    assert set(load_script(path).steps) == {"a", "x", "b", "y", "z", "e"}


def test_question_bounds_are_checked_for_their_type(tmp_path: Path) -> None:
    path = tmp_path / "bounds.xml"
    path.write_text('<?xml version="1.0"?>\n'
                    '<script id="bounds" title="b" start="a">\n'
                    '  <var name="n" type="number"/>\n'
                    '  <question id="a" type="number" var="n" min="1" max="ten" next="b"><text>?</text></question>\n'
                    '  <question id="b" type="date" var="n" min="2026-13" next="c"><text>?</text></question>\n'
                    '  <question id="c" type="text" var="n" max="3" next="d"><text>?</text></question>\n'
                    '  <question id="d" type="number" var="n" min="-1.5" max="1e3" next="e"><text>?</text></question>\n'
                    '  <end id="e" outcome="o"/>\n'
                    '</script>\n')
    with pytest.raises(ScriptLoadError) as err:
        load_script(path)
    got = {str(p).removeprefix(f"{path}:") for p in err.value.problems}
    assert got == {"4:55: max= must be a number, not 'ten'",
                   "5:45: min= must be a date YYYY-MM-DD",
                   "6:45: max= applies to number and date questions"}, got
