"""A straightforward linear-scan router: no index, every decision scans all agents or all waiting calls.

It applies the same rules as the core for the longest-idle strategy (penalty tiers, skills with relaxation,
caller priority, the documented choice of an agent in several queues), so it serves as the oracle of a
differential test and as the baseline of ``bench/bench_acd.py``.  Calls are dicts: id, queue, priority,
seq (arrival order), joined (time).
"""

from __future__ import annotations

from caruso.acd.model import AgentConfig, QueueConfig


class LinearRouter:
    """No index: every decision scans the agents or the waiting calls (longest-idle strategy)."""

    def __init__(self, queues: list[QueueConfig], agents: list[AgentConfig]) -> None:
        self.queues = {q.id: q for q in queues}
        self.levels = {}
        for q in queues:
            steps = [{r.skill: r.min_level for r in q.skills}]
            for relax in q.relaxation:
                steps.append({r.skill: min(r.min_level, relax.min_level) for r in q.skills})
            self.levels[q.id] = [(0.0, steps[0])] + [(r.after, s) for r, s in zip(q.relaxation, steps[1:])]
        self.agents = {a.id: {"config": a, "ready": False, "idle": 0.0, "seq": i,
                              "penalty": {m.queue: m.penalty for m in a.queues}} for i, a in enumerate(agents)}
        self.agent_list = list(self.agents.values())
        self.waiting: list[dict] = []    # calls: id, queue, priority, seq, joined

    def _eligible(self, agent: dict, call: dict, now: float) -> bool:
        skills = agent["config"].skills
        needed = self.levels[call["queue"]][0][1]
        for after, levels in self.levels[call["queue"]]:
            if now - call["joined"] >= after:
                needed = levels
        return all(skills.get(s, 0) >= lv for s, lv in needed.items())

    def best_call_for(self, agent_id: str, now: float) -> dict | None:
        """The decision alone: the call a free agent takes, by scanning every waiting call."""
        agent = self.agents[agent_id]
        # the longest weighted wait; with one weight in all its queues, the earliest join time
        weighted = len({self.queues[q].weight for q in agent["penalty"] if q in self.queues}) > 1
        best = None
        for call in self.waiting:
            penalty = agent["penalty"].get(call["queue"])
            if penalty is None or not self._eligible(agent, call, now):
                continue
            wait = -(now - call["joined"]) * self.queues[call["queue"]].weight if weighted else call["joined"]
            rank = (-call["priority"], wait, penalty, call["seq"], call["queue"])
            if best is None or rank < best[0]:
                best = (rank, call)
        return None if best is None else best[1]

    def best_agent_for(self, call: dict, now: float) -> dict | None:
        """The decision alone: the agent an arriving call gets, by scanning every agent."""
        best = None
        for agent in self.agent_list:
            if not agent["ready"]:
                continue
            penalty = agent["penalty"].get(call["queue"])
            if penalty is None or not self._eligible(agent, call, now):
                continue
            rank = (penalty, agent["idle"], agent["seq"])
            if best is None or rank < best[0]:
                best = (rank, agent)
        return None if best is None else best[1]

    def agent_ready(self, agent_id: str, now: float) -> str | None:
        """The agent becomes free (idle from now) and takes the best waiting call, if any."""
        agent = self.agents[agent_id]
        agent["ready"], agent["idle"] = True, now
        call = self.best_call_for(agent_id, now)
        if call is None:
            return None
        self.waiting.remove(call)
        agent["ready"] = False
        return call["id"]

    def offer(self, call: dict, now: float) -> str | None:
        """A call arrives: it takes the best free agent, or waits."""
        agent = self.best_agent_for(call, now)
        if agent is None:
            self.waiting.append(call)
            return None
        agent["ready"] = False
        return agent["config"].id
