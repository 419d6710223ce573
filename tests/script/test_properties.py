"""Property tests of the interpreter over every shipped script (hypothesis): random answers and
action results never crash it, every run ends or waits for input, and *back* followed by the same
inputs gives the same path."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caruso.script import load_files
from caruso.script.inputs import ActionResult, Answer, Back, Input
from caruso.script.interpreter import Interpreter, ScriptSet
from caruso.script.state import RunState
from tests.script.conftest import SCRIPTS

SHIPPED = load_files(sorted(SCRIPTS.glob("*.xml"))).scripts
INTERP = Interpreter(ScriptSet(SHIPPED), clock=lambda: 1_795_000_000.0)
CUSTOMER = {"id": 1, "number": "C100234", "firstName": "Claire", "lastName": "Martin", "email": "c@example.org",
            "phone": "+33140000001", "vip": False, "contracts": [{"id": 10, "number": "EL-1", "monthlyAmount": 5}]}

answers = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 2_000_000), st.floats(allow_nan=True),
    st.sampled_from(["", "1", "2", "3", "yes", "no", "gas", "electricity", "reading", "now", "fr", "en",
                     "100234", "75011", "2026-12-15", "not a date", "8 rue Neuve", "<script>", "#"]),
    st.text(max_size=12),
)
results = st.one_of(
    st.just(ActionResult(ok=True, value=CUSTOMER)), st.just(ActionResult(ok=True, value=None)),
    st.just(ActionResult(ok=True, value={"id": 7, "amount": 12.5, "overdue": 1})),
    st.builds(ActionResult, ok=st.just(False), error=st.text(max_size=10)),
)


def drive(state: RunState, data: st.DataObject, limit: int = 40) -> list[tuple[RunState, list[Input]]]:
    """Feed random inputs; return, for each question reached, its state and the inputs given there."""
    history: list[tuple[RunState, list[Input]]] = []
    for _ in range(limit):
        if state.status == "ended":
            break
        assert state.status in ("question", "action")
        if state.status == "question":
            history.append((state, []))
            inp: Input = Answer(data.draw(answers))
        else:
            assert state.pending is not None
            inp = data.draw(results)
        if history:
            history[-1][1].append(inp)
        state, effects = INTERP.step(state, inp)
        for effect in effects:
            assert effect.as_dict()["effect"]  # plain data
        assert state.status in ("question", "action", "ended")
        if state.status == "action":
            assert state.pending is not None and effects[-1].needs_result
    history.append((state, []))
    return history


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script=st.sampled_from(sorted(SHIPPED)), channel=st.sampled_from(["agent", "web", "voice"]),
       known=st.booleans(), data=st.data())
def test_random_inputs_never_crash_and_runs_end_or_wait(script: str, channel: str, known: bool,
                                                        data: st.DataObject) -> None:
    objects = {"customer": CUSTOMER} if known else {}
    state, _ = INTERP.start(script, channel=channel, objects=objects, context={"caller": "+33140000001"})
    history = drive(state, data)
    final = history[-1][0]
    assert final.status in ("question", "action", "ended")
    if final.status == "ended":
        assert final.outcome
        assert final.path_list[-1] == final.current.step or final.outcome == "error"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script=st.sampled_from(sorted(SHIPPED)), data=st.data())
def test_back_then_the_same_inputs_gives_the_same_path(script: str, data: st.DataObject) -> None:
    state, _ = INTERP.start(script, channel="web", objects={"customer": CUSTOMER})
    history = drive(state, data)
    # every question reached after an earlier one: go back from it, replay the earlier question's inputs
    for (earlier, inputs), (later, _) in zip(history, history[1:]):
        if earlier.status != "question" or later.status not in ("question", "ended") or later is earlier:
            continue
        if not later.can_go_back:
            continue
        back, _ = INTERP.step(later, Back())
        if back.step_id != earlier.step_id or len(back.frames) != len(earlier.frames):
            continue  # the previous checkpoint was an invalid-answer repeat of the same question
        replay = back
        for inp in inputs:
            replay, _ = INTERP.step(replay, inp)
        assert replay.path_list == later.path_list
        assert replay.status == later.status and replay.outcome == later.outcome
        assert [f.vars for f in replay.frames] == [f.vars for f in later.frames]


def test_back_property_is_exercised() -> None:
    """Guard against the property above skipping everything: a known run goes back and replays."""
    state, _ = INTERP.start("outage-report", channel="web")
    a, _ = INTERP.step(state, Answer("electricity"))
    b, _ = INTERP.step(a, Answer("75011"))
    back, _ = INTERP.step(b, Back())
    assert back.step_id == a.step_id
    replay, _ = INTERP.step(back, Answer("75011"))
    assert replay.path_list == b.path_list
