"""Engine and session factory for SQLite (WAL, foreign keys on) and PostgreSQL."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from opendialer.db.rows import RowQuery

# Execution option naming how a SQLite transaction begins; writers take the write lock at BEGIN
# so that two concurrent read-then-write transactions queue instead of failing.
SQLITE_BEGIN = "sqlite_begin"

# Threads that run request handlers at once (the service sets its thread pool to this), and
# so the connections each engine keeps open: with fewer, every request past the pool's size
# opened a connection of its own and closed it again, which on SQLite also sets its pragmas.
# Overflow connections serve work outside the pool of request threads (the daily build).
REQUEST_THREADS = 16
# How much of a SQLite database file is read through a memory map (SQLite's own ceiling is
# about 2 GiB); past it, pages are read as usual.
SQLITE_MMAP_BYTES = 1 << 30


def _sqlite_setup(engine: Engine, lock_wait_seconds: float) -> None:
    busy_timeout = round(lock_wait_seconds * 1000)

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling is turned off; SQLAlchemy emits BEGIN itself
        # (below), which is what makes SAVEPOINT and BEGIN IMMEDIATE behave.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout}")
        # Reads straight from the file's pages as the operating system caches them, not each
        # page copied into the connection's own small cache first: a batch of look-ups by key
        # over a database larger than that cache (the compliance gate's) ran a tenth faster.
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def _create_private(database: str | None) -> None:
    """Creates a SQLite database file that does not exist yet readable by its owner only: it
    holds personal data. SQLite gives its -wal and -shm files the database file's mode."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.exists() or not path.parent.is_dir():
        return  # SQLite names a missing directory itself
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def make_engine(url: str, *, lock_wait_seconds: float = 30, **kwargs: Any) -> Engine:
    """An engine for `url`. On SQLite a writer waits at most `lock_wait_seconds` for another
    connection's write to end before its statement fails with "database is locked"."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _create_private(parsed.database)
        engine = create_engine(
            parsed,
            connect_args={"check_same_thread": False, "timeout": lock_wait_seconds},
            pool_size=REQUEST_THREADS,
            max_overflow=REQUEST_THREADS,
            **kwargs,
        )
        _sqlite_setup(engine, lock_wait_seconds)
        return engine
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(
        parsed,
        pool_size=REQUEST_THREADS,
        max_overflow=REQUEST_THREADS,
        pool_pre_ping=True,
        **kwargs,
    )


def make_sessionmaker(bind: Any) -> sessionmaker[Session]:
    return sessionmaker(bind=bind, expire_on_commit=False, autoflush=False)


_WRITER = {SQLITE_BEGIN: "IMMEDIATE"}


def begin_writing(session: Session) -> None:
    """Start the session's transaction as a writer (BEGIN IMMEDIATE on SQLite)."""
    session.connection(execution_options=_WRITER)


@contextmanager
def transaction(
    factory: sessionmaker[Session], *, write: bool = True, bind: Engine | None = None
) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error. A writer
    begins at once, unless bound to `bind`, whose options then begin it at its first
    statement."""
    with factory() if bind is None else factory(bind=bind) as session:
        if write and bind is None:
            begin_writing(session)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


class Database:
    """An engine and the session factory bound to it (or to one connection, in tests)."""

    def __init__(self, engine: Engine, sessions: sessionmaker[Session] | None = None) -> None:
        self.engine = engine
        self.sessions = sessions or make_sessionmaker(engine)
        bind = self.sessions.kw.get("bind")
        # Sessions bound to one connection (tests) see only what it sees: plain reads use it too.
        self._connection = bind if isinstance(bind, Connection) else None
        # Writers that begin as writers (BEGIN IMMEDIATE on SQLite) at their first statement.
        self._lazy_writer = (
            None if self._connection is not None else engine.execution_options(**_WRITER)
        )

    @classmethod
    def from_url(cls, url: str, *, lock_wait_seconds: float = 30) -> Database:
        return cls(make_engine(url, lock_wait_seconds=lock_wait_seconds))

    def transaction(
        self, *, write: bool = True, lazy: bool = False
    ) -> AbstractContextManager[Session]:
        """A transaction; `lazy`: a writer's begins at its first statement, not at once, so
        that opening it does no I/O."""
        bind = self._lazy_writer if write and lazy else None
        return transaction(self.sessions, write=write, bind=bind)

    def first(self, query: RowQuery, **params: Any) -> dict[str, Any] | None:
        """The first row of `query` as a plain read: no session and no transaction of its own
        (on SQLite the statement is its own; on PostgreSQL the pool's rollback ends it)."""
        dialect = self.engine.dialect
        if self._connection is not None:
            return query.first(self._connection.connection, dialect, params)
        connection = self.engine.raw_connection()
        try:
            return query.first(connection, dialect, params)
        finally:
            connection.close()
