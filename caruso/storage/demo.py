"""The demo utility company's data (storage/demo/*.csv), loaded by ``caruso serve --demo`` into an empty CRM."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from caruso import paths
from caruso.storage.csvimport import import_csv

if TYPE_CHECKING:
    from caruso.storage.service import StorageManager

log = logging.getLogger(__name__)

# file -> object, in an order that keeps relations intact
DEMO_FILES = (("customers.csv", "Customer"), ("contracts.csv", "Contract"), ("meters.csv", "Meter"),
              ("meter_readings.csv", "MeterReading"), ("tickets.csv", "Ticket"))


async def load_demo(storage: StorageManager) -> int:
    """Load the demo rows unless the model is not the demo's or its customers exist already.  Returns rows loaded."""
    objects = storage.objects
    if any(name not in objects.model for _, name in DEMO_FILES):
        log.warning("demo data not loaded: the model has no %s", ", ".join(n for _, n in DEMO_FILES))
        return 0
    if await objects.count("Customer") > 0:
        return 0
    folder = paths.shipped("storage") / "demo"
    loaded = 0
    for filename, name in DEMO_FILES:
        path = folder / filename
        if not path.is_file():
            continue
        report = await import_csv(objects, name, path)
        for error in report.errors:
            log.warning("demo data %s:%d: %s", path, error.line, error.message)
        loaded += report.imported
    log.info("demo company loaded: %d rows", loaded)
    return loaded
