"""Peewee migrations -- 034_usage_readings.py.

Each usage reading is kept, at most one per eSIM and hour (the unique key an upsert lands
on), for the eSIM's chart of data used per day and its CSV; the worker prunes them after
400 days (by `hour`).
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class UsageReading(pw.Model):
        id = pw.AutoField()
        esim = pw.ForeignKeyField(column_name='esim_id', field='id', model=migrator.orm['esims'], on_delete='CASCADE')
        hour = pw.DateTimeField(index=True)
        read_at = pw.DateTimeField()
        plan = pw.ForeignKeyField(column_name='plan_id', field='id', model=migrator.orm['plans'], null=True, on_delete='SET NULL')
        data_used_mb = pw.IntegerField()
        data_total_mb = pw.IntegerField()
        minutes_used = pw.IntegerField(null=True)
        data_earlier_mb = pw.IntegerField(default=0)
        minutes_earlier = pw.IntegerField(default=0)

        class Meta:
            table_name = "usage_readings"
            indexes = [(('esim', 'hour'), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('usage_readings')
