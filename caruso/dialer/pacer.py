"""The pacer: how many lines to dial now.  Pure: the caller passes the state of agents and lines in and
gets a decision that carries every input it used, so a supervisor can see why the dialer did what it did.

Progressive: one line per ready agent.  Predictive: dial ahead, so that the answers expected within the
next few seconds meet the agents expected free by then (ready, ending wrap-up, ending their call from the
measured handle-time distribution), with the expected share of answers that find no agent within the
grace kept at the target.  The rolling 30-day abandonment rate steers it: above the target the pacer
aims lower; at the cap it falls back to progressive.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from caruso.dialer.model import MAX_ABANDON_GRACE, DialMode, PacingSettings
from caruso.dialer.stats import AbandonmentLedger, AnswerRate, Durations


@dataclass(frozen=True, slots=True)
class PacerInputs:
    now: float
    agents_ready: int                   # idle agents (none on a call, none in wrap-up)
    agents_staffed: int                 # logged in to the campaign's queue and not paused
    wrap_up_left: tuple[float, ...] = ()    # seconds of wrap-up left, per agent in wrap-up
    talking_for: tuple[float, ...] = ()     # seconds on the call so far, per agent talking
    ringing_for: tuple[float, ...] = ()     # seconds rung so far, per line in flight
    waiting_answers: int = 0            # live answers waiting for an agent right now
    wrap_up: float = 0.0                # wrap-up time that follows each call
    dialable: int = 1_000_000           # contacts lawful to dial now


@dataclass(frozen=True, slots=True)
class PacingDecision:
    dial: int
    mode: DialMode                      # the mode actually used (predictive may fall back)
    reason: str
    inputs: PacerInputs
    answer_rate: float = 0.0
    answer_samples: int = 0
    abandon_rate: float = 0.0           # rolling 30 days
    live_answers: int = 0               # rolling 30 days
    target: float = 0.0                 # expected-abandonment target used for this decision
    horizon: float = 0.0                # seconds ahead the agents were counted
    agents_soon: float = 0.0            # expected agents free by the horizon (ready included)
    expected_answers: float = 0.0       # lines in flight plus the new ones
    expected_abandon: float = 0.0       # expected share of those answers abandoned
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["mode"] = self.mode.value
        data["inputs"] = {k: (len(v) if isinstance(v, tuple) else v) for k, v in asdict(self.inputs).items()}
        return data


_SQRT2 = math.sqrt(2.0)
_AIM_RATE = 0.005
_INV_SQRT2PI = 1.0 / math.sqrt(2.0 * math.pi)


def expected_excess(mean: float, variance: float) -> float:
    """E[max(D, 0)] for D normal with this mean and variance."""
    if variance <= 1e-12:
        return max(mean, 0.0)
    sd = math.sqrt(variance)
    z = mean / sd
    return sd * _INV_SQRT2PI * math.exp(-0.5 * z * z) + mean * 0.5 * (1.0 + math.erf(z / _SQRT2))


class Pacer:
    """One per campaign.  Feed it outcomes (``record_*``); ask it ``decide(inputs)``."""

    def __init__(self, mode: DialMode, settings: PacingSettings | None = None, *,
                 grace: float = MAX_ABANDON_GRACE, ring_timeout: float = 25.0) -> None:
        self.mode = mode
        self.settings = settings or PacingSettings()
        self.grace = grace
        self.answers = AnswerRate(settle_after=ring_timeout + 1.0)
        self.answer_delay = Durations(window=300, max_seconds=300)   # dial to live answer
        self.unanswered_ring = Durations(window=300, max_seconds=300)  # dial to busy/no answer/failure
        self.handle = Durations(window=500, max_seconds=7200)      # talk time of connected calls
        self.ledger = AbandonmentLedger()
        # The model counts the worst moment ahead, not every moment, so it underestimates abandonment
        # when many moments are tight.  The aim (the modelled share dialed to) is calibrated on what
        # really happens: each live answer nudges it, down hard on an abandon, up a little otherwise,
        # so that the realized share settles on the target.
        self.aim = self.settings.target_abandon / 4.0   # a soft start: earn the target by answers served

    # learning ------------------------------------------------------------------------------------
    def record_attempt(self, *, answered: bool, dialed_at: float, ring_seconds: float) -> None:
        """A line's outcome is known: answered live after *ring_seconds*, or not (busy, no answer...)."""
        self.answers.add(answered, dialed_at)
        (self.answer_delay if answered else self.unanswered_ring).add(ring_seconds)

    def record_live_answer(self, at: float, *, abandoned: bool) -> None:
        self.ledger.record(at, abandoned=abandoned)
        target = self.settings.target_abandon
        step = _AIM_RATE * (target - (1.0 if abandoned else 0.0)) / target
        self.aim = min(max(self.aim * math.exp(step), target / 200.0), 2.0 * target)

    def record_talk(self, seconds: float) -> None:
        self.handle.add(seconds)

    # deciding ------------------------------------------------------------------------------------
    def decide(self, inputs: PacerInputs) -> PacingDecision:
        self.answers.settle(inputs.now)
        live, abandoned = self.ledger.totals(inputs.now)
        common = dict(inputs=inputs, answer_rate=self.answers.estimate, answer_samples=self.answers.samples,
                      abandon_rate=abandoned / live if live else 0.0, live_answers=live)
        if self.mode is DialMode.PREVIEW:
            return PacingDecision(0, DialMode.PREVIEW, "preview: agents dial themselves", **common)
        if self.mode is DialMode.PROGRESSIVE:
            return self._progressive(inputs, "progressive: one line per ready agent", common)
        cfg = self.settings
        rate = common["abandon_rate"]
        if live and rate >= cfg.abandon_cap:
            return self._progressive(inputs, f"fallback: abandonment {rate:.2%} at or above the cap "
                                             f"{cfg.abandon_cap:.2%} over 30 days", common)
        if self.answers.samples < cfg.learning_outcomes or len(self.answer_delay) < cfg.learning_answers:
            return self._progressive(inputs, f"learning: {self.answers.samples}/{cfg.learning_outcomes} outcomes, "
                                             f"{len(self.answer_delay)}/{cfg.learning_answers} answers seen", common)
        target = self.aim
        if rate > cfg.target_abandon:  # steer back under the target; the closer to the cap, the more cautious
            target *= (cfg.abandon_cap - rate) / (cfg.abandon_cap - cfg.target_abandon)
        return self._predictive(inputs, target, common)

    def _progressive(self, inputs: PacerInputs, reason: str, common: dict[str, Any]) -> PacingDecision:
        free = inputs.agents_ready - len(inputs.ringing_for) - inputs.waiting_answers
        dial = max(0, min(free, inputs.dialable))
        return PacingDecision(dial, DialMode.PROGRESSIVE, reason, agents_soon=float(inputs.agents_ready),
                              expected_answers=float(len(inputs.ringing_for)), **common)

    def _predictive(self, inputs: PacerInputs, target: float, common: dict[str, Any]) -> PacingDecision:
        p = max(self.answers.estimate, 1e-3)
        horizon = max(1.0, self.answer_delay.mean) if len(self.answer_delay) else 8.0
        have_rings = len(self.answer_delay) >= 10 and len(self.unanswered_ring) >= 10
        have_talks = len(self.handle) >= 20
        # the answers expected by each checkpoint (every second up to twice the answer delay) must meet
        # the agents free by then plus the grace: an answer is lost if no agent comes within the grace
        ta, tn = self.answer_delay.table(), self.unanswered_ring.table()
        last_a, last_n = len(ta) - 1, len(tn) - 1

        def sa(seconds: float) -> float:
            i = int(seconds)
            return ta[i] if i <= last_a else 0.0

        def sn(seconds: float) -> float:
            i = int(seconds)
            return tn[i] if i <= last_n else 0.0

        # per ring age: (lines, P(answered live at all from here), P(still unanswered-but-live-to-come))
        rings = []
        for rung, count in Counter(int(r) for r in inputs.ringing_for).items():
            alive_answer = p * sa(rung + 0.5) if have_rings else p
            alive = alive_answer + (1.0 - p) * sn(rung + 0.5) if have_rings else 1.0
            rings.append((rung + 0.5, count, alive_answer, alive))
        talks = Counter(int(e) for e in inputs.talking_for) if have_talks else Counter()
        wraps = sorted(inputs.wrap_up_left)
        base_y = float(inputs.agents_ready - inputs.waiting_answers)
        checks = []
        for ahead in range(0, int(2.0 * horizon) + 2):
            reach = ahead + self.grace
            mean_y = base_y + bisect.bisect_right(wraps, reach)
            var_y = 0.0
            talk_reach = reach - inputs.wrap_up
            if talk_reach > 0:
                finish = self.handle.finish_within
                for elapsed, count in talks.items():
                    q = finish(elapsed + 0.5, talk_reach)
                    mean_y += count * q
                    var_y += count * q * (1.0 - q)
            mean_x = var_x = 0.0
            for rung, count, alive_answer, alive in rings:
                if have_rings:
                    q = (alive_answer - p * sa(rung + ahead)) / alive if alive > 0 else 0.0
                else:
                    q = p
                mean_x += count * q
                var_x += count * q * (1.0 - q)
            new = p * (1.0 - sa(ahead)) if have_rings else p
            checks.append((mean_x, var_x + var_y, mean_y, new))
        total_x = sum(count * (alive_answer / alive if alive > 0 else 0.0) for _, count, alive_answer, alive in rings)
        staffed = max(inputs.agents_staffed, 0)
        ceiling = int(self.settings.max_lines_per_agent * staffed) - len(inputs.ringing_for)
        limit = max(0, min(inputs.dialable, ceiling, max(staffed, 1)))  # at most one new line per agent a turn

        def share(n: int) -> float:
            answers = total_x + n * p
            if answers <= 0:
                return 0.0
            worst = max(expected_excess(mx + n * f - my, var + n * f * (1.0 - f)) for mx, var, my, f in checks)
            return worst / answers

        def fits(n: int) -> bool:   # share(n) <= target, stopping at the first checkpoint over it
            allowed = target * (total_x + n * p)
            for mx, var, my, f in checks:
                mean, variance = mx + n * f - my, var + n * f * (1.0 - f)
                if mean < 0.0 and mean * mean > 36.0 * variance:
                    continue    # six standard deviations clear: no excess worth counting
                if expected_excess(mean, variance) > allowed:
                    return False
            return True

        low, high = 0, limit  # the largest n that fits (the share grows with n)
        if not fits(0):
            high = 0
        while low < high:
            mid = (low + high + 1) // 2
            if fits(mid):
                low = mid
            else:
                high = mid - 1
        dial = low
        agents_soon = checks[min(int(horizon), len(checks) - 1)][2]
        expected = total_x + dial * p
        expected_share = share(dial)
        reason = (f"predictive: {dial} line(s): {expected:.1f} answers expected from {len(inputs.ringing_for) + dial} "
                  f"lines at answer rate {p:.0%}, {agents_soon:.1f} agents free within {horizon + self.grace:.0f} s, "
                  f"expected abandonment {expected_share:.2%} <= target {target:.2%}")
        if dial == limit and limit < inputs.dialable:
            reason += f" (capped at {self.settings.max_lines_per_agent:g} lines per agent)"
        return PacingDecision(dial, DialMode.PREDICTIVE, reason, target=target, horizon=horizon + self.grace,
                              agents_soon=agents_soon, expected_answers=expected,
                              expected_abandon=expected_share, **common)
