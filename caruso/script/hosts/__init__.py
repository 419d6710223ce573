"""Hosts drive runs: they render ``step`` effects, carry out actions and feed the results back.

- ``driver.advance``: carry out pending actions through an ActionExecutor until the run waits for an
  answer or ends (shared by every host).
- ``executor.DataExecutor``: actions against in-memory data (the CLI's ``--data``, tests).
- ``services.ServiceExecutor``: actions against the running server's services (mailer, storage,
  any registered service by name).
- ``batch.run_batch``: a non-interactive run fed from an answers file (``caruso script run``).
"""

from caruso.script.hosts.driver import ActionExecutor, advance
from caruso.script.hosts.executor import DataExecutor

__all__ = ["ActionExecutor", "DataExecutor", "advance"]
