"""The storage manager service (key STORAGE): the one door to the database for the rest of Caruso.

On start it opens the database, creates the system schema on a fresh database (or refuses to start on one
whose schema is behind, naming ``caruso db upgrade``), loads the business-object model and checks its tables.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from caruso import keys, paths
from caruso.config import Config
from caruso.core.component import Health
from caruso.core.descriptors import ServiceContext
from caruso.core.manager import ServiceManager
from caruso.events.base import Event
from caruso.storage import migrations
from caruso.storage.consent import ConsentRecord, ConsentRegistry, ContactDecision
from caruso.storage.database import Database
from caruso.storage.demo import load_demo
from caruso.storage.errors import SchemaBehind, SchemaError, StorageError
from caruso.storage.events import ConsentChanged, ContactRecorded
from caruso.storage.history import ContactEvent, ContactHistory, CustomerRef, TimelinePage
from caruso.storage.migrations import SchemaState
from caruso.storage.model import Model, load_model, model_files
from caruso.storage.objects import BusinessObject, BusinessObjects
from caruso.storage.subjects import Subject, expand, normalise_address

log = logging.getLogger(__name__)


def model_folders(config: Config) -> list[Path]:
    """Where model files come from: ``[storage] models_dir`` if set, else the shipped storage/models."""
    if config.storage.models_dir is not None:
        return [config.storage.models_dir]
    return [paths.shipped("storage") / "models"]


class StorageManager:
    @dataclass(frozen=True)
    class Settings:
        # create the system schema on a database that has none (first start)
        create_schema: bool = True

    def __init__(self, ctx: ServiceContext) -> None:
        self.config = ctx.config
        self.settings = ctx.settings or StorageManager.Settings()
        self._services = ctx.services
        self._db: Database | None = None
        self._objects: BusinessObjects | None = None
        self._history: ContactHistory | None = None
        self._consent: ConsentRegistry | None = None
        self._health = Health.down("not started")

    @classmethod
    def standalone(cls, config: Config, services: ServiceManager | None = None) -> StorageManager:
        """A storage manager outside the server (CLI, tests, benchmarks)."""
        return cls(ServiceContext("storage", config, None, services or ServiceManager()))

    # lifecycle ----------------------------------------------------------------------------------
    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        cfg = self.config.storage
        # a broken model file stops the start before the database is touched
        model = load_model(model_files(model_folders(self.config)), country=cfg.default_country)
        db = Database(self.config.database_url, schema=cfg.schema or None, echo=cfg.echo_sql)
        try:
            await db.prepare()
            status = await migrations.schema_status(db)
            if status.state is SchemaState.FRESH and self.settings.create_schema:
                log.info("creating the system schema in %s", db.describe())
                status = await migrations.upgrade(db)
            if status.state is SchemaState.BEHIND or status.state is SchemaState.FRESH:
                raise SchemaBehind(status.current, status.head)
            if status.state is not SchemaState.CURRENT:
                raise SchemaError(f"{db.describe()}: {status.describe()}")
            objects = BusinessObjects(db, model, country=cfg.default_country)
            await objects.open(create=True)
            self._db, self._objects = db, objects
            self._history, self._consent = ContactHistory(db), ConsentRegistry(db)
            if self.config.server.demo:
                await load_demo(self)
            self._health = Health.ok(f"{db.describe()}, schema {status.head}, {len(model.objects)} object classes")
            yield
        finally:
            self._health = Health.down("stopped")
            self._db = self._objects = self._history = self._consent = None
            await db.dispose()

    def health(self) -> Health:
        return self._health

    # parts --------------------------------------------------------------------------------------
    @property
    def database(self) -> Database:
        """The engine and session factory (for repositories inside caruso.storage)."""
        if self._db is None:
            raise StorageError("the storage manager is not started")
        return self._db

    @property
    def objects(self) -> BusinessObjects:
        if self._objects is None:
            raise StorageError("the storage manager is not started")
        return self._objects

    @property
    def model(self) -> Model:
        return self.objects.model

    @property
    def history(self) -> ContactHistory:
        if self._history is None:
            raise StorageError("the storage manager is not started")
        return self._history

    @property
    def consent(self) -> ConsentRegistry:
        if self._consent is None:
            raise StorageError("the storage manager is not started")
        return self._consent

    def _publish(self, event: Event) -> None:
        bus = self._services.find(keys.EVENTS)
        if bus is not None:
            bus.publish(event)

    # business objects (shortcuts) ---------------------------------------------------------------
    async def identify_caller(self, number: str) -> list[BusinessObject]:
        """The customers (objects with ``callerid`` attributes) whose number is *number*."""
        return await self.objects.identify_caller(number)

    # contact history ----------------------------------------------------------------------------
    async def record_contact(self, event: ContactEvent) -> ContactEvent:
        stored = await self.history.append(event)
        customer = stored.customer or (None, None)
        self._publish(ContactRecorded(history_id=stored.id or 0, customer_object=customer[0],
                                      customer_key=customer[1], contact_kind=stored.kind, channel=stored.channel))
        return stored

    async def timeline(self, customer: BusinessObject | CustomerRef, *, limit: int = 20,
                       cursor: str | None = None) -> TimelinePage:
        ref = customer.ref if isinstance(customer, BusinessObject) else (customer[0], str(customer[1]))
        return await self.history.timeline(ref, limit=limit, cursor=cursor)

    # consent ------------------------------------------------------------------------------------
    async def contact_decision(self, subject: Subject, channel: str, purpose: str,
                               at: datetime | None = None) -> ContactDecision:
        scopes = await expand(subject, channel, self.objects)
        return await self.consent.decide(scopes.customers, scopes.addresses, channel, purpose, at)

    async def may_contact(self, subject: Subject, channel: str, purpose: str, at: datetime | None = None) -> bool:
        """May *subject* (a customer, a (name, key) ref, or a number/address) be contacted now (or at *at*)?"""
        return (await self.contact_decision(subject, channel, purpose, at)).allowed

    def _scope(self, subject: Subject, channel: str) -> tuple[CustomerRef | None, str | None]:
        if isinstance(subject, BusinessObject):
            return subject.ref, None
        if isinstance(subject, tuple):
            return (subject[0], str(subject[1])), None
        return None, normalise_address(subject, channel, self.config.storage.default_country)

    async def set_consent(self, subject: Subject, channel: str, purpose: str,
                          status: Literal["opt_in", "opt_out"], *, source: str, proof: str | None = None,
                          at: datetime | None = None) -> ConsentRecord:
        """Record an opt-in or opt-out for a customer or for one number/address; in force at once."""
        customer, address = self._scope(subject, channel)
        record = await self.consent.record(customer=customer, address=address, channel=channel, purpose=purpose,
                                           status=status, source=source, proof=proof, at=at)
        self._publish_consent(record)
        return record

    async def request_opt_in(self, subject: Subject, channel: str, purpose: str, *, source: str,
                             proof: str | None = None, valid_for: timedelta = timedelta(days=7),
                             ) -> tuple[ConsentRecord, str]:
        """Start a double opt-in; send the returned token to the subject, then ``confirm_opt_in(token)``."""
        customer, address = self._scope(subject, channel)
        record, token = await self.consent.request(customer=customer, address=address, channel=channel,
                                                   purpose=purpose, source=source, proof=proof, valid_for=valid_for)
        self._publish_consent(record)
        return record, token

    async def confirm_opt_in(self, token: str, *, proof: str | None = None,
                             at: datetime | None = None) -> ConsentRecord:
        record = await self.consent.confirm(token, proof=proof, at=at)
        self._publish_consent(record)
        return record

    def _publish_consent(self, record: ConsentRecord) -> None:
        customer = record.customer or (None, None)
        self._publish(ConsentChanged(customer_object=customer[0], customer_key=customer[1], address=record.address,
                                     channel=record.channel, purpose=record.purpose, status=record.status))
