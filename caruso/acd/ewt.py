"""Estimated wait time of a queue, corrected by what actually happened, with its error as a metric.

Raw estimate for the caller at position p (1 = next), with r eligible agents ready: (p - r) x AHT / N, where AHT is the moving average of
handle times (talk + wrap-up) and N the agents staffing the queue (logged in, not paused) — the mean time
for p calls to finish when N agents work in parallel.  The raw figure is multiplied by a correction factor,
the moving average of actual / predicted wait over recently answered calls (clamped to 0.25..4).  Each
answered call records its error (actual - predicted at joining): mean absolute and mean signed error.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class EwtEstimator:
    aht: float
    alpha: float = 0.05
    correction: float = 1.0
    samples: int = 0
    abs_error_sum: float = 0.0
    error_sum: float = 0.0

    def estimate(self, position: int, staffed: int, ready: int = 0) -> float:
        """``ready``: agents free to take this call now (they serve the first ``ready`` callers at once)."""
        ahead = position - ready
        if ahead <= 0:
            return 0.0
        return ahead * self.aht / max(staffed, 1) * self.correction

    def handled(self, seconds: float) -> None:
        self.aht += self.alpha * (seconds - self.aht)

    def answered(self, predicted: float, actual: float) -> None:
        self.samples += 1
        self.abs_error_sum += abs(actual - predicted)
        self.error_sum += actual - predicted
        if predicted >= 5.0:
            ratio = min(4.0, max(0.25, actual / (predicted / self.correction)))
            self.correction += self.alpha * (ratio - self.correction)

    @property
    def mean_abs_error(self) -> float:
        return self.abs_error_sum / self.samples if self.samples else 0.0

    @property
    def mean_error(self) -> float:
        return self.error_sum / self.samples if self.samples else 0.0
