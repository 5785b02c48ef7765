"""Peewee migrations -- 011_reminder_windows.py.

The reminders task selects due eSIMs in SQL: by expiry (an index on it), by the
share of data used (an index on that expression) and by the reminders already
sent this cycle (the cycle as a timestamp beside its text, indexed with eSIM and kind).
"""

import peewee as pw
from peewee_migrate import Migrator

DATA_SHARE_INDEX = (
    "CREATE INDEX esims_data_used_percent ON esims ((data_used_mb * 100 / data_total_mb)) "
    "WHERE data_total_mb > 0"
)


def _postgres(database):
    return isinstance(getattr(database, "obj", database), pw.PostgresqlDatabase)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields('reminders', cycle_end=pw.DateTimeField(null=True))
    if _postgres(database):
        migrator.sql("UPDATE reminders SET cycle_end = CAST(cycle AS timestamp)")
    else:
        migrator.sql("UPDATE reminders SET cycle_end = REPLACE(cycle, 'T', ' ')")
    migrator.add_index('reminders', 'esim', 'kind', 'cycle_end')
    migrator.add_index('esims', 'expires_at')
    migrator.sql(DATA_SHARE_INDEX)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql("DROP INDEX esims_data_used_percent")
    migrator.drop_index('esims', 'expires_at')
    migrator.drop_index('reminders', 'esim', 'kind', 'cycle_end')
    migrator.remove_fields('reminders', 'cycle_end')
