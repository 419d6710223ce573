"""ACD errors (all derive from CarusoError).

AcdError
├── AcdConfigError     a queue or agent definition is invalid
├── UnknownAgent       no agent with that id
├── UnknownQueue       no queue with that id
├── UnknownCall        no call with that id in the ACD
└── InvalidTransition  the agent or call is not in a state that allows the operation
"""

from __future__ import annotations

from caruso.errors import CarusoError


class AcdError(CarusoError):
    pass


class AcdConfigError(AcdError):
    pass


class UnknownAgent(AcdError, LookupError):
    def __init__(self, agent_id: str) -> None:
        super().__init__(f"no agent {agent_id!r}")
        self.agent_id = agent_id


class UnknownQueue(AcdError, LookupError):
    def __init__(self, queue_id: str) -> None:
        super().__init__(f"no queue {queue_id!r}")
        self.queue_id = queue_id


class UnknownCall(AcdError, LookupError):
    def __init__(self, call_id: str) -> None:
        super().__init__(f"no call {call_id!r} in the ACD")
        self.call_id = call_id


class InvalidTransition(AcdError):
    pass
