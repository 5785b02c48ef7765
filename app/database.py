"""Binding the peewee proxy to the configured database, and running migrations."""

from pathlib import Path

from peewee_migrate import Router
from playhouse.db_url import connect

from app.config import PROJECT_ROOT
from app.extensions import db

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def open_database(url):
    """A pooled database for `url`: connections are reused across requests, not reopened.

    SQLite gets foreign keys, WAL with synchronous=NORMAL and a busy timeout on each new connection.
    """
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return connect(
            url.replace("sqlite:", "sqlite+pool:", 1),
            # WAL with synchronous=NORMAL: one fsync per checkpoint rather than per commit; a commit
            # survives a crash of the process at once, and only a power cut may lose the latest.
            pragmas={"foreign_keys": 1, "journal_mode": "wal", "synchronous": 1, "busy_timeout": 10000},
            max_connections=32,
            stale_timeout=300,
            # A pooled connection may serve another thread later, never two at once.
            check_same_thread=False,
        )
    if url.startswith(("postgres://", "postgresql://")):
        scheme, rest = url.split(":", 1)
        return connect(f"{scheme}+pool:{rest}", max_connections=32, stale_timeout=300)
    return connect(url)


def init_app(app):
    """Initialise the proxy; a request takes a pooled connection on its first query."""
    db.initialize(open_database(app.config["DATABASE_URL"]))

    @app.teardown_request
    def _close(exc):
        # Back to the pool; an in-memory SQLite database would vanish with its connection.
        if not db.is_closed() and db.database != ":memory:":
            db.close()


def migrate():
    """Apply every migration in migrations/ that has not run yet; returns their names."""
    router = Router(db, migrate_dir=str(MIGRATIONS_DIR), ignore=["basemodel"])
    return router.run()
