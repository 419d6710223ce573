"""Subject access: the export holds every item the erasure then removes, with the data and recordings."""

from __future__ import annotations

import json
from collections import Counter

from caruso.privacy.erasure import erase
from caruso.privacy.export import export
from caruso.privacy.planner import Selector, plan
from caruso.storage.service import StorageManager
from tests.privacy.seed import NEEDLES, Seeded
from tests.storage.conftest import Backend


async def test_export_contains_every_item_erasure_removes(demo: StorageManager, seeded: Seeded,
                                                         backend: Backend) -> None:
    selector = Selector.parse(f"mobile={seeded.subject['mobile']}", "Customer")
    result = await export(demo, selector, backend.tmp / "export", actor="admin")
    text = result.document.read_text(encoding="utf-8")
    document = json.loads(text)
    exported = {item["id"]: item for item in document["items"]}
    for needle in (n for n in NEEDLES if not n.startswith("0")):   # (national forms are only search terms)
        assert needle in text, needle                 # the person's data itself, not only references
    copies = sorted(p.name for p in (result.folder / "recordings").iterdir())
    assert len(copies) == result.recordings == 4 and result.missing == ()
    for path in seeded.recordings:
        copy = next(result.folder / "recordings" / c for c in copies if c.endswith(path.name))
        assert copy.read_bytes() == path.read_bytes()

    to_erase = (await plan(demo, selector)).erasable
    assert {i.item_id for i in to_erase} <= set(exported)
    assert all(exported[i.item_id]["files"] or not i.files for i in to_erase)
    report = await erase(demo, selector)
    erased_per_place = {place: info["count"] for place, info in report.places.items()}
    exported_per_place = Counter(item["kind"] for item in document["items"] if item["erasure"] != "keep")
    assert erased_per_place == dict(exported_per_place)
    assert report.files == result.recordings
