"""Engine and session factory for SQLite (WAL, foreign keys on) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
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


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling is turned off; SQLAlchemy emits BEGIN itself
        # (below), which is what makes SAVEPOINT and BEGIN IMMEDIATE behave.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=REQUEST_THREADS,
            max_overflow=REQUEST_THREADS,
            **kwargs,
        )
        _sqlite_setup(engine)
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


def begin_writing(session: Session) -> None:
    """Start the session's transaction as a writer (BEGIN IMMEDIATE on SQLite)."""
    session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})


@contextmanager
def transaction(factory: sessionmaker[Session], *, write: bool = True) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    with factory() as session:
        if write:
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

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls(make_engine(url))

    def transaction(self, *, write: bool = True) -> AbstractContextManager[Session]:
        return transaction(self.sessions, write=write)

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
