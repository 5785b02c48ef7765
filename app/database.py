"""Binding the peewee proxy to the configured database, and running migrations."""

from pathlib import Path

from peewee_migrate import Router
from playhouse.db_url import connect

from app.config import PROJECT_ROOT
from app.extensions import db

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def open_database(url):
    """Connect lazily to `url`; SQLite gets foreign keys, WAL and a busy timeout."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return connect(
            url,
            pragmas={"foreign_keys": 1, "journal_mode": "wal", "busy_timeout": 10000},
        )
    return connect(url)


def init_app(app):
    """Initialise the proxy for this app and open/close a connection per request."""
    db.initialize(open_database(app.config["DATABASE_URL"]))

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        # An in-memory SQLite database would vanish with its only connection.
        if not db.is_closed() and db.database != ":memory:":
            db.close()


def migrate():
    """Apply every migration in migrations/ that has not run yet; returns their names."""
    router = Router(db, migrate_dir=str(MIGRATIONS_DIR), ignore=["basemodel"])
    return router.run()
