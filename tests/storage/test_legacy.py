"""Mapping onto a pre-existing legacy table (created here with raw SQL, odd names): no DDL, live checks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from caruso.storage.errors import LegacyTableError
from caruso.storage.service import StorageManager
from tests.storage.conftest import Backend

LEGACY_DDL = """CREATE TABLE "KUNDEN Stamm" (
    "Kd-Nr" INTEGER PRIMARY KEY,
    "NAME 1" VARCHAR(60) NOT NULL,
    "Tel." VARCHAR(30),
    "Geb.Datum" DATE,
    "Umsatz EUR" NUMERIC(12, 2),
    "Aktiv?" INTEGER,
    "Angelegt" TIMESTAMP,
    "Gruppe" NUMERIC(4, 0)
)"""
LEGACY_ROWS = [
    """INSERT INTO "KUNDEN Stamm" VALUES (1, 'Müller', '04 72 12 34 56', '1970-05-01', 1234.50, 1,
       '2020-01-01 10:00:00', 12)""",
    """INSERT INTO "KUNDEN Stamm" VALUES (2, 'Schmidt', '+33 6 98 76 54 32', NULL, NULL, 0, NULL, NULL)""",
]


def model(attributes: str = "", extra: str = "") -> str:
    return f"""<model name="legacy">
  <object name="Kunde" table="KUNDEN Stamm" key="nr" legacy="yes">
    <attribute name="nr" column="Kd-Nr" type="integer"/>
    <attribute name="name" column="NAME 1" type="string" required="yes" personal="yes"/>
    <attribute name="phone" column="Tel." type="phone" callerid="yes" personal="yes"/>
    <attribute name="born" column="Geb.Datum" type="date" personal="yes"/>
    <attribute name="revenue" column="Umsatz EUR" type="decimal"/>
    <attribute name="active" column="Aktiv?" type="boolean"/>
    <attribute name="created" column="Angelegt" type="datetime"/>
    <attribute name="group" column="Gruppe" type="integer"/>
    {attributes}
    <index attributes="name"/>
  </object>
  {extra}
</model>
"""


async def _legacy_db(backend: Backend) -> None:
    db = backend.database()
    try:
        async with db.connect() as conn:
            await conn.execute(text(LEGACY_DDL))
            for row in LEGACY_ROWS:
                await conn.execute(text(row))
    finally:
        await db.dispose()


async def _live_shape(backend: Backend) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    db = backend.database()
    try:
        async with db.engine.connect() as conn:
            def shape(sync):  # type: ignore[no-untyped-def]
                insp = inspect(sync)
                cols = [(c["name"], str(c["type"])) for c in insp.get_columns("KUNDEN Stamm")]
                return sorted(insp.get_table_names()), cols, [i["name"] for i in insp.get_indexes("KUNDEN Stamm")]
            return await conn.run_sync(shape)
    finally:
        await db.dispose()


async def test_a_legacy_table_is_used_as_it_is(backend: Backend, models_dir: Path) -> None:
    await _legacy_db(backend)
    (models_dir / "legacy.xml").write_text(model(), encoding="utf-8")
    before = await _live_shape(backend)
    storage = StorageManager.standalone(backend.config(models_dir=models_dir))
    async with storage.lifespan():
        mueller = await storage.objects.get("Kunde", 1)
        assert mueller.values == {
            "nr": 1, "name": "Müller", "phone": "04 72 12 34 56", "born": date(1970, 5, 1),
            "revenue": Decimal("1234.50"), "active": True, "created": datetime(2020, 1, 1, 10, 0, tzinfo=UTC),
            "group": 12}
        assert [k.key for k in await storage.identify_caller("+33472123456")] == [1]
        assert [k.key for k in await storage.identify_caller("06 98 76 54 32")] == [2]
        assert [k.key for k in await storage.objects.find("Kunde", {"active": False})] == [2]
        created = await storage.objects.create("Kunde", {
            "nr": 3, "name": "O'Brien", "born": "1980-02-29", "revenue": "10.5", "active": "yes",
            "created": "2024-03-01T09:30:00+01:00", "group": "7"})
        assert await storage.objects.get("Kunde", 3) == created
        assert created["created"] == datetime(2024, 3, 1, 8, 30, tzinfo=UTC)
        assert [k.key for k in await storage.objects.find("Kunde", {"group": 7})] == [3]
        await storage.objects.update("Kunde", 2, {"active": True, "revenue": 99})
        assert (await storage.objects.get("Kunde", 2))["active"] is True
    tables, columns, indexes = await _live_shape(backend)
    # no DDL on the legacy table: same columns and no index added (the system schema came beside it)
    assert (columns, indexes) == (before[1], before[2])
    assert "KUNDEN Stamm" in tables and "calls" in tables


async def test_a_missing_column_is_a_clear_error(backend: Backend, models_dir: Path) -> None:
    await _legacy_db(backend)
    (models_dir / "legacy.xml").write_text(
        model('<attribute name="fax" column="Fax-Nr" type="phone"/>'), encoding="utf-8")
    storage = StorageManager.standalone(backend.config(models_dir=models_dir))
    with pytest.raises(LegacyTableError) as info:
        async with storage.lifespan():
            pass
    message = str(info.value)
    assert "attribute 'fax' maps to column 'Fax-Nr'" in message and "'KUNDEN Stamm' does not have" in message
    assert f"{models_dir / 'legacy.xml'}:11" in message


async def test_an_incompatible_column_type_is_a_clear_error(backend: Backend, models_dir: Path) -> None:
    await _legacy_db(backend)
    (models_dir / "legacy.xml").write_text(model().replace(
        'column="NAME 1" type="string"', 'column="NAME 1" type="date"'), encoding="utf-8")
    storage = StorageManager.standalone(backend.config(models_dir=models_dir))
    with pytest.raises(LegacyTableError, match=r"column KUNDEN Stamm.NAME 1 is VARCHAR\(60\), which cannot hold "
                                               r"attribute 'name' of type date"):
        async with storage.lifespan():
            pass


async def test_a_missing_legacy_table_is_never_created(backend: Backend, models_dir: Path) -> None:
    (models_dir / "legacy.xml").write_text(model(), encoding="utf-8")
    storage = StorageManager.standalone(backend.config(models_dir=models_dir))
    with pytest.raises(LegacyTableError, match="legacy table 'KUNDEN Stamm' does not exist"):
        async with storage.lifespan():
            pass
    db = backend.database()
    try:
        async with db.engine.connect() as conn:
            has = await conn.run_sync(lambda sync: inspect(sync).has_table("KUNDEN Stamm"))
    finally:
        await db.dispose()
    assert not has


async def test_legacy_and_caruso_owned_objects_relate(backend: Backend, models_dir: Path) -> None:
    await _legacy_db(backend)
    notes = """<object name="Note" table="kunde_notes" key="id">
    <attribute name="id" type="integer" generated="yes"/>
    <attribute name="kundeNr" column="kunde_nr" type="integer" required="yes"/>
    <attribute name="text" type="text"/>
    <relation name="kunde" object="Kunde" kind="one" via="kundeNr"/>
  </object>"""
    text_model = model(extra=notes).replace('<index attributes="name"/>',
                                            '<index attributes="name"/>\n    '
                                            '<relation name="notes" object="Note" kind="many" via="kundeNr"/>')
    (models_dir / "legacy.xml").write_text(text_model, encoding="utf-8")
    storage = StorageManager.standalone(backend.config(models_dir=models_dir))
    async with storage.lifespan():
        note = await storage.objects.create("Note", {"kundeNr": 1, "text": "prefers e-mail"})
        kunde = await storage.objects.related(note, "kunde")
        assert kunde is not None and kunde["name"] == "Müller"
        assert await storage.objects.related(kunde, "notes") == [note]


OWNED = """<model name="owned">
  <object name="Lead" table="leads" key="id">
    <attribute name="id" type="integer" generated="yes"/>
    <attribute name="name" type="string" required="yes"/>
    {extra}
  </object>
</model>
"""


async def test_a_caruso_owned_table_grows_with_its_model(backend: Backend, models_dir: Path) -> None:
    path = models_dir / "owned.xml"
    path.write_text(OWNED.format(extra=""), encoding="utf-8")
    storage = StorageManager.standalone(backend.config(models_dir=models_dir))
    async with storage.lifespan():
        await storage.objects.create("Lead", {"name": "first"})
    path.write_text(OWNED.format(extra='<attribute name="source" type="string" length="20" default="web"/>\n'
                                       '    <index attributes="source"/>'), encoding="utf-8")
    async with storage.lifespan():
        (old,) = await storage.objects.find("Lead")
        assert old["source"] is None
        new = await storage.objects.create("Lead", {"name": "second"})
        assert new["source"] == "web"
        async with storage.database.engine.connect() as conn:
            indexes = await conn.run_sync(lambda sync: [i["column_names"] for i in inspect(sync).get_indexes("leads")])
        assert ["source"] in indexes
    path.write_text(OWNED.format(extra='<attribute name="owner" type="string" required="yes"/>'), encoding="utf-8")
    with pytest.raises(LegacyTableError, match="new attribute 'owner' is required"):
        async with storage.lifespan():
            pass
