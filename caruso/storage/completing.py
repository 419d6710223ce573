"""Database calls that, once started, finish before a cancellation takes effect.

A task cancelled while SQLAlchemy awaits the driver (a service stopping its loop, an ``asyncio.timeout``)
abandons the connection half-way.  On SQLite that loses the database for everybody: the cancelled
statement's cursor stays referenced from the ``CancelledError`` the task keeps, the connection is closed
as a zombie that still holds its transaction, and every writer then fails with "database is locked" once
its ``busy_timeout`` runs out, for as long as the cancelled task object lives (or, cancelled during the
check-out, until the garbage collector finds the connection).  PostgreSQL loses the pooled connection.

So each awaited call runs in a task of its own (:func:`complete`): a cancellation of the caller waits
for the call to finish (a statement takes milliseconds), then goes on; the transaction's exit then rolls
back and returns the connection as usual.  :class:`CompletingSession` and :class:`CompletingConnection`
are the session and the Core connection that :class:`~caruso.storage.database.Database` hands out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

T = TypeVar("T")


async def complete(call: Awaitable[T]) -> T:
    """Await *call* in a task of its own; if the caller is cancelled meanwhile, let *call* finish first."""
    task = asyncio.ensure_future(call)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        if task.done():               # the call itself was cancelled
            raise
        while not task.done():        # the caller was: finish the call, then re-raise
            try:
                await asyncio.wait([task])
            except asyncio.CancelledError:
                continue              # asked again: still the same cancellation, raised below
        if not task.cancelled():
            task.exception()          # retrieved: the caller's cancellation is what counts now
        raise


class CompletingSession(AsyncSession):
    """An ``AsyncSession`` whose database calls complete even when the calling task is cancelled."""

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        return await complete(super().execute(*args, **kwargs))

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:
        return await complete(super().scalar(*args, **kwargs))

    async def scalars(self, *args: Any, **kwargs: Any) -> Any:
        return await complete(super().scalars(*args, **kwargs))

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        return await complete(super().get(*args, **kwargs))

    async def get_one(self, *args: Any, **kwargs: Any) -> Any:
        return await complete(super().get_one(*args, **kwargs))

    async def delete(self, instance: object) -> None:
        await complete(super().delete(instance))

    async def merge(self, *args: Any, **kwargs: Any) -> Any:
        return await complete(super().merge(*args, **kwargs))

    async def refresh(self, *args: Any, **kwargs: Any) -> None:
        await complete(super().refresh(*args, **kwargs))

    async def flush(self, objects: Any = None) -> None:
        await complete(super().flush(objects))

    async def run_sync(self, *args: Any, **kwargs: Any) -> Any:
        return await complete(super().run_sync(*args, **kwargs))

    async def connection(self, *args: Any, **kwargs: Any) -> Any:
        return await complete(super().connection(*args, **kwargs))

    async def commit(self) -> None:
        await complete(super().commit())

    async def rollback(self) -> None:
        await complete(super().rollback())

    async def close(self) -> None:
        await complete(super().close())


class CompletingConnection:
    """A Core ``AsyncConnection`` whose calls complete even when the calling task is cancelled."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    @property
    def dialect(self) -> Any:
        return self.connection.dialect

    async def start(self) -> None:
        await complete(self.connection.start())

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        return await complete(self.connection.execute(*args, **kwargs))

    async def exec_driver_sql(self, *args: Any, **kwargs: Any) -> Any:
        return await complete(self.connection.exec_driver_sql(*args, **kwargs))

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:
        return await complete(self.connection.scalar(*args, **kwargs))

    async def scalars(self, *args: Any, **kwargs: Any) -> Any:
        return await complete(self.connection.scalars(*args, **kwargs))

    async def run_sync(self, *args: Any, **kwargs: Any) -> Any:
        return await complete(self.connection.run_sync(*args, **kwargs))

    async def driver_connection(self) -> Any:
        """The driver's own connection (aiosqlite, asyncpg), for what SQLAlchemy does not say (VACUUM)."""
        return (await complete(self.connection.get_raw_connection())).driver_connection

    async def commit(self) -> None:
        await complete(self.connection.commit())

    async def rollback(self) -> None:
        if self.connection.sync_connection is not None:    # else never checked out: nothing to undo
            await complete(self.connection.rollback())

    async def close(self) -> None:
        if self.connection.sync_connection is not None:
            await complete(self.connection.close())
