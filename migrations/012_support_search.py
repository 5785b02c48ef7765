"""Peewee migrations -- 012_support_search.py.

Support search by index, not by scanning: each phone kept as E.164 digits, each
ICCID reversed (its last digits become a prefix), and name and email searchable
by substring: pg_trgm GIN indexes on PostgreSQL, an FTS5 trigram table on SQLite.
"""

import re

import peewee as pw
from peewee_migrate import Migrator

FTS_SQLITE = [
    "CREATE VIRTUAL TABLE users_search USING fts5("
    "name, email, content='users', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN "
    "INSERT INTO users_search(rowid, name, email) VALUES (new.id, new.name, new.email); END",
    "CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN "
    "INSERT INTO users_search(users_search, rowid, name, email) "
    "VALUES ('delete', old.id, old.name, old.email); END",
    "CREATE TRIGGER users_search_update AFTER UPDATE OF name, email ON users BEGIN "
    "INSERT INTO users_search(users_search, rowid, name, email) "
    "VALUES ('delete', old.id, old.name, old.email); "
    "INSERT INTO users_search(rowid, name, email) VALUES (new.id, new.name, new.email); END",
    "INSERT INTO users_search(users_search) VALUES ('rebuild')",
]
TRGM_POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX users_name_trgm ON users USING gin (lower(name) gin_trgm_ops)",
    "CREATE INDEX users_email_trgm ON users USING gin (email gin_trgm_ops)",
]


def _postgres(database):
    return isinstance(getattr(database, "obj", database), pw.PostgresqlDatabase)


def _e164(phone):
    # As app.models.phone_digits was when this migration was written.
    digits = re.sub(r"\D", "", phone or "")
    text = (phone or "").strip()
    if not digits:
        return ""
    if text.startswith("+"):
        return digits
    if digits.startswith("00"):
        return digits[2:]
    if digits.startswith("0"):
        return "855" + digits[1:]
    if digits.startswith("855") and len(digits) >= 11:
        return digits
    return "855" + digits


def _backfill(database):
    for user_id, phone in database.execute_sql("SELECT id, phone FROM users WHERE phone <> ''").fetchall():
        database.execute_sql(
            "UPDATE users SET phone_digits = %s WHERE id = %s".replace("%s", database.param),
            (_e164(phone), user_id),
        )
    for esim_id, iccid in database.execute_sql("SELECT id, iccid FROM esims").fetchall():
        database.execute_sql(
            "UPDATE esims SET iccid_reversed = %s WHERE id = %s".replace("%s", database.param),
            (iccid[::-1], esim_id),
        )


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields('users', phone_digits=pw.CharField(default='', max_length=255, index=True))
    migrator.add_fields('esims', iccid_reversed=pw.CharField(default='', max_length=255, index=True))
    migrator.run(_backfill, database)
    for statement in TRGM_POSTGRES if _postgres(database) else FTS_SQLITE:
        migrator.sql(statement)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    if _postgres(database):
        migrator.sql("DROP INDEX users_name_trgm")
        migrator.sql("DROP INDEX users_email_trgm")
    else:
        for name in ("insert", "delete", "update"):
            migrator.sql(f"DROP TRIGGER users_search_{name}")
        migrator.sql("DROP TABLE users_search")
    migrator.remove_fields('esims', 'iccid_reversed')
    migrator.remove_fields('users', 'phone_digits')
