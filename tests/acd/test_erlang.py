"""The simulator (the real core in simulated time) agrees with Erlang C.

One queue, one skill, no abandonment: service level within 2 percentage points and average speed of
answer within 5 % of Erlang C.  Erlang C is evaluated at the arrival rate and mean handle time the random
draws actually produced (a control for the sampling noise of the inputs; both are also checked to be
near the nominal figures), so a moderately long run suffices.  At 90 % occupancy (50 agents) the waits
are strongly autocorrelated and even so a run of 1,500 simulated hours is needed: that case is marked slow.
"""

from __future__ import annotations

import pytest

from caruso.acd.erlang import average_speed_of_answer, erlang_c, service_level
from caruso.acd.simulator import SimulationSettings, simulate


def check_against_erlang_c(agents: int, calls_per_hour: float, hours: float) -> None:
    result = simulate(SimulationSettings(agents=agents, calls_per_hour=calls_per_hour, handle_time=180.0,
                                         hours=hours, seed=1))
    assert result.abandoned == 0 and result.overflowed == 0
    assert result.realized_calls_per_hour == pytest.approx(calls_per_hour, rel=0.02)
    assert result.realized_handle_time == pytest.approx(180.0, rel=0.02)
    handle = result.realized_handle_time
    erlangs = result.realized_calls_per_hour / 3600.0 * handle
    assert result.service_level == pytest.approx(service_level(agents, erlangs, handle, 20.0), abs=0.02)
    assert result.average_speed_of_answer == pytest.approx(average_speed_of_answer(agents, erlangs, handle),
                                                           rel=0.05)
    assert result.occupancy == pytest.approx(erlangs / agents, abs=0.01)


def test_four_agents_agree_with_erlang_c() -> None:
    check_against_erlang_c(agents=4, calls_per_hour=60.0, hours=2500.0)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_fifty_agents_at_ninety_percent_agree_with_erlang_c() -> None:
    check_against_erlang_c(agents=50, calls_per_hour=900.0, hours=1500.0)


def test_erlang_c_formula_matches_published_figures() -> None:
    # by hand: 4 agents at 3 erlangs, C = 13.5 / 26.5; 3 agents at 2 erlangs, C = 4 / 9
    assert erlang_c(4, 3.0) == pytest.approx(13.5 / 26.5)
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9)
    assert average_speed_of_answer(4, 3.0, 180.0) == pytest.approx(13.5 / 26.5 * 180.0)
    assert erlang_c(10, 10.0) == 1.0 and service_level(10, 12.0, 180.0, 20.0) == 0.0
