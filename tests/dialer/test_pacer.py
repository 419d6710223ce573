"""The pacer: progressive and predictive decisions, explained; the abandonment cap over 30 days."""

from __future__ import annotations

from caruso.dialer.model import DialMode, PacingSettings
from caruso.dialer.pacer import Pacer, PacerInputs
from caruso.dialer.simulator import SimParams, simulate

DAY = 86_400.0


def learned(mode: DialMode = DialMode.PREDICTIVE, answer_rate: float = 0.3) -> Pacer:
    """A pacer that has seen 300 outcomes at *answer_rate* and 100 calls of about 3 minutes."""
    pacer = Pacer(mode, ring_timeout=25.0)
    for i in range(300):
        answered = (i % round(1 / answer_rate)) == 0
        pacer.record_attempt(answered=answered, dialed_at=float(i), ring_seconds=8.0 if answered else 25.0)
    for i in range(100):
        pacer.record_talk(150.0 + i)
    return pacer


def test_progressive_dials_one_line_per_ready_agent_not_yet_served() -> None:
    pacer = Pacer(DialMode.PROGRESSIVE)
    decision = pacer.decide(PacerInputs(now=0, agents_ready=5, agents_staffed=8, ringing_for=(3.0, 1.0),
                                        waiting_answers=1))
    assert decision.dial == 2 and decision.mode is DialMode.PROGRESSIVE
    assert pacer.decide(PacerInputs(now=0, agents_ready=5, agents_staffed=8, dialable=1)).dial == 1
    assert pacer.decide(PacerInputs(now=0, agents_ready=1, agents_staffed=8, ringing_for=(1.0, 2.0))).dial == 0


def test_preview_never_dials_by_itself() -> None:
    decision = Pacer(DialMode.PREVIEW).decide(PacerInputs(now=0, agents_ready=10, agents_staffed=10))
    assert decision.dial == 0 and "preview" in decision.reason


def test_predictive_learns_before_dialing_ahead() -> None:
    pacer = Pacer(DialMode.PREDICTIVE)
    decision = pacer.decide(PacerInputs(now=0, agents_ready=4, agents_staffed=4))
    assert decision.mode is DialMode.PROGRESSIVE and decision.dial == 4
    assert decision.reason.startswith("learning")


def test_predictive_dials_ahead_and_explains_why() -> None:
    pacer = learned(answer_rate=0.25)
    inputs = PacerInputs(now=1000.0, agents_ready=4, agents_staffed=10, wrap_up_left=(1.0, 3.0, 25.0),
                         talking_for=(10.0, 60.0, 170.0), wrap_up=30.0)
    decision = pacer.decide(inputs)
    assert decision.mode is DialMode.PREDICTIVE
    assert decision.dial > 4                       # more lines than ready agents: it dials ahead
    assert decision.inputs is inputs               # every input it used is kept with the decision
    assert decision.answer_rate == 0.25 and decision.answer_samples == 300
    assert decision.agents_soon >= 6               # 4 ready + 2 ending wrap-up within the horizon
    assert decision.expected_abandon <= decision.target
    assert "expected abandonment" in decision.reason
    data = decision.as_dict()
    assert data["inputs"]["agents_ready"] == 4 and data["inputs"]["wrap_up_left"] == 3
    assert data["mode"] == "predictive"
    # with many lines already ringing it holds back
    busy = PacerInputs(now=1000.0, agents_ready=4, agents_staffed=10, ringing_for=(1.0,) * 40, wrap_up=30.0)
    assert pacer.decide(busy).dial == 0


def test_at_the_cap_predictive_falls_back_to_progressive_until_the_window_rolls_on() -> None:
    pacer = learned()
    now = 40 * DAY
    for i in range(97):
        pacer.record_live_answer(now - 10 * DAY, abandoned=False)
    for i in range(3):
        pacer.record_live_answer(now - 10 * DAY, abandoned=True)       # 3 % over the last 30 days
    inputs = PacerInputs(now=now, agents_ready=3, agents_staffed=10)
    decision = pacer.decide(inputs)
    assert decision.mode is DialMode.PROGRESSIVE and decision.dial == 3
    assert decision.reason.startswith("fallback") and decision.abandon_rate == 0.03
    assert decision.live_answers == 100
    # 21 days later those answers are out of the rolling 30 days: predictive again
    later = pacer.decide(PacerInputs(now=now + 21 * DAY, agents_ready=3, agents_staffed=10))
    assert later.mode is DialMode.PREDICTIVE and later.live_answers == 0


def test_between_target_and_cap_the_pacer_aims_lower() -> None:
    settings = PacingSettings(target_abandon=0.01, abandon_cap=0.03)
    calm, tense = Pacer(DialMode.PREDICTIVE, settings), Pacer(DialMode.PREDICTIVE, settings)
    for pacer in (calm, tense):
        for i in range(300):
            pacer.record_attempt(answered=i % 4 == 0, dialed_at=float(i), ring_seconds=8.0)
    for i in range(1000):
        calm.record_live_answer(5000.0, abandoned=False)
        tense.record_live_answer(5000.0, abandoned=i % 50 == 0)         # 2 %
    inputs = PacerInputs(now=6000.0, agents_ready=6, agents_staffed=10)
    calm_decision, tense_decision = calm.decide(inputs), tense.decide(inputs)
    assert tense_decision.target < calm_decision.target
    assert tense_decision.dial <= calm_decision.dial


def run(**kw: object):  # noqa: ANN201
    return simulate(SimParams(**{"agents": 20, "hours": 1.5, "seed": 7, **kw}))  # type: ignore[arg-type]


def test_the_cap_holds_under_a_sudden_drop_in_answer_rate() -> None:
    result = run(answer_rate=0.6, answer_rate_changes=((2400.0, 0.1),))
    assert result.answered > 400
    assert result.abandon_rate <= 0.03
    assert result.decisions["predictive"] > 10 * result.decisions["progressive"]   # it kept pacing ahead


def test_the_cap_holds_under_a_sudden_rise_in_answer_rate() -> None:
    result = run(answer_rate=0.1, answer_rate_changes=((2400.0, 0.6),))
    assert result.answered > 400
    assert result.abandon_rate <= 0.03


def test_a_lower_cap_is_kept_too() -> None:
    result = run(answer_rate=0.3, pacing=PacingSettings(target_abandon=0.005, abandon_cap=0.01))
    assert result.abandon_rate <= 0.01


def test_predictive_keeps_agents_busier_than_progressive() -> None:
    predictive = run(answer_rate=0.2, mode=DialMode.PREDICTIVE)
    progressive = run(answer_rate=0.2, mode=DialMode.PROGRESSIVE)
    assert progressive.abandoned == 0
    assert predictive.occupancy > progressive.occupancy + 0.1
    assert predictive.idle_between_calls < progressive.idle_between_calls
