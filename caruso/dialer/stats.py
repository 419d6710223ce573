"""What the pacer learns from finished calls: answer rate, how long calls ring and last, abandonment.

Pure and clock-free: callers pass times in.  Windows are bounded so an estimate follows a change
(a sudden drop or rise in answer rate) within a few dozen calls.
"""

from __future__ import annotations

import heapq
from collections import deque

DAY = 86_400.0


class Durations:
    """An empirical distribution of durations (1 s buckets) over the last *window* samples."""

    __slots__ = ("_window", "_samples", "_counts", "_survival", "_stale", "_refresh", "_total")

    def __init__(self, window: int = 500, max_seconds: int = 3600, refresh: int = 25) -> None:
        self._window = window
        self._samples: deque[int] = deque()
        self._counts = [0] * (max_seconds + 1)
        self._survival: list[float] = []
        self._stale = refresh
        self._refresh = refresh
        self._total = 0.0

    def __len__(self) -> int:
        return len(self._samples)

    def add(self, seconds: float) -> None:
        bucket = min(max(int(seconds), 0), len(self._counts) - 1)
        self._samples.append(bucket)
        self._counts[bucket] += 1
        self._total += bucket + 0.5
        if len(self._samples) > self._window:
            old = self._samples.popleft()
            self._counts[old] -= 1
            self._total -= old + 0.5
        self._stale += 1

    @property
    def mean(self) -> float:
        return self._total / len(self._samples) if self._samples else 0.0

    def table(self) -> list[float]:
        """P(duration > s) for s = 0, 1, 2 ... s; recomputed every *refresh* samples (the pacer reads it a lot)."""
        n = len(self._samples)
        if n == 0:
            return [1.0] * len(self._counts)
        if self._stale >= self._refresh:
            acc, table = n, []
            for count in self._counts:
                acc -= count
                table.append(acc / n)
            self._survival, self._stale = table, 0
        return self._survival

    def survival(self, seconds: float) -> float:
        """P(duration > seconds)."""
        table = self.table()
        index = int(seconds)
        if index < 0:
            return 1.0
        return table[index] if index < len(table) else 0.0

    def finish_within(self, elapsed: float, horizon: float) -> float:
        """P(ends within *horizon* more seconds | it has lasted *elapsed*)."""
        if horizon <= 0:
            return 0.0
        alive = self.survival(elapsed)
        if alive <= 0.0:
            return 1.0  # longer than anything seen: it should end soon
        return max(0.0, (alive - self.survival(elapsed + horizon)) / alive)


class AnswerRate:
    """Share of dial attempts answered live.

    Outcomes come back out of dial order: busy and failed lines within seconds, live answers within
    ten, unanswered ones at the ring time-out.  Counted as they come, a burst of dials would look
    unanswered first and answered later.  So the long window takes outcomes in dial order, once every
    line dialed at that time has had its ring time-out (a settled cohort: unbiased, late by one ring
    time-out); the short window takes them as they come (quick to show a rise in answers).  The
    estimate is the larger of the two; before enough settled outcomes, a cautious prior weighs in.
    """

    __slots__ = ("_long", "_short", "_long_hits", "_short_hits", "_pending", "_settle", "_prior",
                 "_prior_weight", "_fade", "_seq")

    def __init__(self, settle_after: float, long_window: int = 300, short_window: int = 40, *,
                 prior: float = 0.5, prior_weight: float = 20.0, fade: int = 100) -> None:
        self._long: deque[bool] = deque(maxlen=long_window)
        self._short: deque[bool] = deque(maxlen=short_window)
        self._long_hits = 0
        self._short_hits = 0
        self._pending: list[tuple[float, int, bool]] = []   # heap of (dialed at, seq, answered)
        self._settle = settle_after
        self._prior = prior
        self._prior_weight = prior_weight
        self._fade = fade
        self._seq = 0

    def add(self, answered: bool, dialed_at: float) -> None:
        if len(self._short) == self._short.maxlen and self._short[0]:
            self._short_hits -= 1
        self._short.append(answered)
        self._short_hits += answered
        self._seq += 1
        heapq.heappush(self._pending, (dialed_at, self._seq, answered))

    def settle(self, now: float) -> None:
        """Move the outcomes of lines dialed before ``now - settle_after`` into the long window."""
        limit = now - self._settle
        pending, window = self._pending, self._long
        while pending and pending[0][0] <= limit:
            answered = heapq.heappop(pending)[2]
            if len(window) == window.maxlen and window[0]:
                self._long_hits -= 1
            window.append(answered)
            self._long_hits += answered

    @property
    def samples(self) -> int:
        return len(self._long)

    @property
    def estimate(self) -> float:
        n = len(self._long)
        weight = self._prior_weight * max(0.0, 1.0 - n / self._fade)
        long_rate = (self._long_hits + weight * self._prior) / (n + weight) if n + weight else self._prior
        if len(self._short) < (self._short.maxlen or 0):
            return long_rate
        return max(long_rate, self._short_hits / len(self._short))


class AbandonmentLedger:
    """Live answers and abandoned calls per day, summed over a rolling window (30 days by law)."""

    __slots__ = ("_days", "_window_days")

    def __init__(self, window_days: int = 30) -> None:
        self._days: dict[int, list[int]] = {}
        self._window_days = window_days

    def record(self, at: float, *, abandoned: bool) -> None:
        day = self._days.setdefault(int(at // DAY), [0, 0])
        day[0] += 1
        if abandoned:
            day[1] += 1

    def totals(self, now: float) -> tuple[int, int]:
        """(live answers, abandoned) within the window ending at *now*."""
        first = int(now // DAY) - self._window_days + 1
        for old in [d for d in self._days if d < first]:
            del self._days[old]
        answered = sum(v[0] for v in self._days.values())
        abandoned = sum(v[1] for v in self._days.values())
        return answered, abandoned

    def rate(self, now: float) -> float:
        answered, abandoned = self.totals(now)
        return abandoned / answered if answered else 0.0
