"""The business-object API: find / get / create / update / delete, relations, caller identification.

Every statement is built with SQLAlchemy Core on tables made from the model, so all values travel as bound
parameters.  Values are converted to the attribute's declared type on the way in and out; callers get
``BusinessObject`` dataclasses, never rows or ORM instances.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine

from caruso.storage.database import Database
from caruso.storage.errors import DuplicateObject, InvalidValue, ObjectNotFound
from caruso.storage.model.convert import convert_value
from caruso.storage.model.types import Model, ObjectDef
from caruso.storage.objects.legacy import check_tables
from caruso.storage.objects.tables import model_tables
from caruso.storage.objects.values import BusinessObject, from_db, to_db
from caruso.storage.phone import number_variants

Where = Mapping[str, Any]


class BusinessObjects:
    """Business objects of one model over one database.  ``await open()`` before use."""

    def __init__(self, db: Database, model: Model, *, country: str = "FR") -> None:
        self.db = db
        self.model = model
        self.country = country
        self._tables: dict[str, Table] = {}
        self._live: dict[str, dict[str, TypeEngine[Any]]] = {}

    async def open(self, *, create: bool = True) -> None:
        """Create the Caruso-owned tables that are missing and check every mapped table against the database."""
        _, tables = model_tables(self.model)
        async with self.db.connect() as conn:
            live = await conn.run_sync(check_tables, self.model, tables, create=create)
        _, self._tables = model_tables(self.model, live)
        self._live = live

    # the read side ------------------------------------------------------------------------------
    async def find(self, name: str, where: Where | None = None, *, order_by: Sequence[str] = (),
                   limit: int | None = None, offset: int = 0) -> list[BusinessObject]:
        """Objects of class *name* whose attributes equal *where* (a list value means any of; None IS NULL).

        *order_by*: attribute names, ``-name`` for descending; the key breaks ties.
        """
        obj, table = self._object(name)
        stmt = select(table).where(*self._conditions(obj, table, where or {}))
        for item in order_by:
            attr = obj.attribute(item.removeprefix("-")).name
            stmt = stmt.order_by(table.c[attr].desc() if item.startswith("-") else table.c[attr])
        stmt = stmt.order_by(table.c[obj.key]).offset(offset or None).limit(limit)
        async with self.db.connect(commit=False) as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [self._object_from(obj, row) for row in rows]

    async def first(self, name: str, where: Where | None = None) -> BusinessObject | None:
        found = await self.find(name, where, limit=1)
        return found[0] if found else None

    async def count(self, name: str, where: Where | None = None) -> int:
        obj, table = self._object(name)
        stmt = select(func.count()).select_from(table).where(*self._conditions(obj, table, where or {}))
        async with self.db.connect(commit=False) as conn:
            return int((await conn.execute(stmt)).scalar_one())

    async def get(self, name: str, key: Any) -> BusinessObject:
        obj, _ = self._object(name)
        found = await self.find(name, {obj.key: key}, limit=1)
        if not found:
            raise ObjectNotFound(name, key)
        return found[0]

    async def related(self, source: BusinessObject, relation: str) -> list[BusinessObject] | BusinessObject | None:
        """Follow *relation* of *source*: a list for ``kind="many"``, one object (or None) for ``kind="one"``."""
        obj, _ = self._object(source.name)
        rel = obj.relation(relation)
        if rel.kind == "many":
            return await self.find(rel.object, {rel.via: source.key})
        target_key = source.values.get(rel.via)
        if target_key is None:
            return None
        target = self.model.object(rel.object)
        return await self.first(rel.object, {target.key: target_key})

    async def identify_caller(self, number: str, name: str | None = None) -> list[BusinessObject]:
        """Objects with a ``callerid`` attribute holding *number* (compared in E.164 and the usual local forms)."""
        try:
            variants = number_variants(number, self.country)
        except ValueError:
            return []
        found: list[BusinessObject] = []
        for obj in ([self.model.object(name)] if name else self.model.objects.values()):
            attrs = obj.callerid_attributes
            if not attrs:
                continue
            table = self._tables[obj.name]
            # Caruso-owned columns hold E.164 (normalised on write); legacy ones may hold anything
            wanted = variants if obj.legacy else variants[:1]
            cond = [table.c[a].in_(wanted) for a in attrs]
            stmt = select(table).where(or_(*cond)).order_by(table.c[obj.key])
            async with self.db.connect(commit=False) as conn:
                rows = (await conn.execute(stmt)).mappings().all()
            found.extend(self._object_from(obj, row) for row in rows)
        return found

    # the write side -----------------------------------------------------------------------------
    def prepare(self, name: str, values: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
        """*values* converted and checked for a create (defaults applied, required present) or an update."""
        obj, _ = self._object(name)
        out: dict[str, Any] = {}
        for attr_name, value in values.items():
            attr = obj.attribute(attr_name)
            out[attr.name] = convert_value(obj.name, attr, value, country=self.country)
        if partial:
            return out
        for attr in obj.attributes.values():
            if attr.required and out.get(attr.name) == "":
                raise InvalidValue(obj.name, attr.name, "", f"value: {attr.name} is required")
            if out.get(attr.name) is None:
                if attr.default is not None:  # not given, or empty: the declared default
                    out[attr.name] = attr.default
                elif attr.generated:
                    out.pop(attr.name, None)
                elif attr.required or attr.name == obj.key:
                    raise InvalidValue(obj.name, attr.name, None, f"value: {attr.name} is required")
        return out

    async def create(self, name: str, values: Mapping[str, Any]) -> BusinessObject:
        obj, table = self._object(name)
        prepared = self.prepare(name, values)
        stmt = insert(table).values(self._bind(obj, prepared)).returning(*table.c)
        async with self.db.connect() as conn:
            try:
                row = (await conn.execute(stmt)).mappings().one()
            except IntegrityError as exc:
                raise DuplicateObject(f"cannot create {name}: {_reason(exc)}") from exc
            if obj.key_attribute.generated and prepared.get(obj.key) is not None:
                await self._sync_sequence(conn, obj, table)
        return self._object_from(obj, row)

    async def create_many(self, name: str, rows: Iterable[Mapping[str, Any]]) -> int:
        """Insert already prepared rows (see ``prepare``) in one statement; all or nothing."""
        obj, table = self._object(name)
        batch = [self._bind(obj, row) for row in rows]
        if not batch:
            return 0
        async with self.db.connect() as conn:
            try:
                await conn.execute(insert(table), batch)
            except IntegrityError as exc:
                raise DuplicateObject(f"cannot create {name}: {_reason(exc)}") from exc
            if obj.key_attribute.generated and any(row.get(obj.key) is not None for row in batch):
                await self._sync_sequence(conn, obj, table)
        return len(batch)

    async def _sync_sequence(self, conn: AsyncConnection, obj: ObjectDef, table: Table) -> None:
        """Explicit keys were inserted into a generated key: move PostgreSQL's sequence past them."""
        if self.db.dialect != "postgresql":
            return  # SQLite continues after the largest key by itself
        column = table.c[obj.key]
        sequence = (await conn.execute(select(func.pg_get_serial_sequence(
            _quoted(conn, table.name), column.name)))).scalar_one()
        if sequence is not None:
            top = (await conn.execute(select(func.max(column)))).scalar_one()
            await conn.execute(select(func.setval(sequence, top or 1, top is not None)))

    async def update(self, name: str, key: Any, values: Mapping[str, Any]) -> BusinessObject:
        obj, table = self._object(name)
        prepared = self.prepare(name, values, partial=True)
        key_value = convert_value(obj.name, obj.key_attribute, key, country=self.country)
        if obj.key in prepared and prepared.pop(obj.key) != key_value:
            raise InvalidValue(obj.name, obj.key, values[obj.key], "value: the key cannot be changed")
        for attr_name, value in prepared.items():
            if value in (None, "") and obj.attributes[attr_name].required:
                raise InvalidValue(obj.name, attr_name, None, f"value: {attr_name} is required")
        async with self.db.connect() as conn:
            if prepared:
                stmt = update(table).where(table.c[obj.key] == self._bind_one(obj, obj.key, key_value))
                try:
                    result = await conn.execute(stmt.values(self._bind(obj, prepared)))
                except IntegrityError as exc:
                    raise DuplicateObject(f"cannot update {name} {key!r}: {_reason(exc)}") from exc
                if result.rowcount == 0:
                    raise ObjectNotFound(name, key)
            row = (await conn.execute(select(table).where(
                table.c[obj.key] == self._bind_one(obj, obj.key, key_value)))).mappings().first()
        if row is None:
            raise ObjectNotFound(name, key)
        return self._object_from(obj, row)

    async def delete(self, name: str, key: Any) -> None:
        obj, table = self._object(name)
        key_value = convert_value(obj.name, obj.key_attribute, key, country=self.country)
        async with self.db.connect() as conn:
            result = await conn.execute(delete(table).where(
                table.c[obj.key] == self._bind_one(obj, obj.key, key_value)))
        if result.rowcount == 0:
            raise ObjectNotFound(name, key)

    # helpers ------------------------------------------------------------------------------------
    def _object(self, name: str) -> tuple[ObjectDef, Table]:
        obj = self.model.object(name)
        return obj, self._tables[obj.name]

    def _conditions(self, obj: ObjectDef, table: Table, where: Where) -> list[ColumnElement[bool]]:
        conditions = []
        for attr_name, value in where.items():
            attr = obj.attribute(attr_name)
            column = table.c[attr.name]
            if value is None:
                conditions.append(column.is_(None))
            elif isinstance(value, (list, tuple, set, frozenset)):
                converted = [self._bind_one(obj, attr.name, convert_value(obj.name, attr, v, country=self.country))
                             for v in value]
                conditions.append(column.in_(converted))
            else:
                converted = convert_value(obj.name, attr, value, country=self.country)
                conditions.append(column == self._bind_one(obj, attr.name, converted))
        return conditions

    def _bind_one(self, obj: ObjectDef, attr_name: str, value: Any) -> Any:
        live = self._live.get(obj.name)
        return to_db(live.get(obj.attributes[attr_name].column), value) if live else value

    def _bind(self, obj: ObjectDef, values: Mapping[str, Any]) -> dict[str, Any]:
        return {name: self._bind_one(obj, name, v) for name, v in values.items()}

    @staticmethod
    def _object_from(obj: ObjectDef, row: Mapping[str, Any]) -> BusinessObject:
        values = {name: from_db(attr, row[name]) for name, attr in obj.attributes.items()}
        return BusinessObject(obj.name, values[obj.key], values)


def _quoted(conn: AsyncConnection, table_name: str) -> str:
    """The table name as pg_get_serial_sequence wants it: quoted as an identifier."""
    return conn.dialect.identifier_preparer.quote_identifier(table_name)


def _reason(exc: IntegrityError) -> str:
    return str(exc.orig).splitlines()[0] if exc.orig is not None else str(exc)
