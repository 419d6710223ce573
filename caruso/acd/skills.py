"""Required skills and their relaxation over wait time, as a short list of *steps*.

Step 0 applies from the moment a call joins the queue; step i (i >= 1) from ``relaxation[i-1].after``
seconds, with every required level lowered to at most that relaxation's level.  Levels never rise, so
an agent eligible at step k is eligible at every later step: the core keeps, per queue and step, the set
of ready agents eligible there, and a call at step k looks only at set k.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from caruso.acd.model import QueueConfig


@dataclass(frozen=True, slots=True)
class Step:
    after: float                       # seconds of waiting from which this step applies
    levels: tuple[tuple[str, int], ...]  # (skill, minimum level)


def steps_of(queue: QueueConfig) -> tuple[Step, ...]:
    base = tuple((req.skill, req.min_level) for req in queue.skills)
    steps = [Step(0.0, base)]
    for relax in queue.relaxation:
        steps.append(Step(relax.after, tuple((skill, min(level, relax.min_level)) for skill, level in base)))
    return tuple(steps)


def eligible_from(skills: Mapping[str, int], steps: tuple[Step, ...]) -> int | None:
    """The first step at which an agent with these skills may take the queue's calls (None: never)."""
    for index, step in enumerate(steps):
        if all(skills.get(skill, 0) >= level for skill, level in step.levels):
            return index
    return None


def step_at(steps: tuple[Step, ...], waited: float) -> int:
    """The step a call is at after waiting ``waited`` seconds."""
    index = 0
    for i in range(1, len(steps)):
        if waited >= steps[i].after:
            index = i
        else:
            break
    return index
