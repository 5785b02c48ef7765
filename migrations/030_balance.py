"""Peewee migrations -- 030_balance.py.

The prepaid balance: a ledger of credits and debits (the balance is their sum), and
orders that top it up, which buy no plan (orders.plan_id may be empty).

On SQLite, dropping NOT NULL the usual way rebuilds the table, and dropping the old
`orders` with foreign keys on would cascade to its events and payments. Removing a NOT
NULL constraint changes nothing on disk, so the stored CREATE statement is edited
instead, as SQLite's ALTER TABLE page describes ("Making Other Kinds Of Table Schema
Changes": writable_schema, then a new schema_version).
"""

import peewee as pw
from peewee_migrate import Migrator

STRICT = '"plan_id" INTEGER NOT NULL'
LOOSE = '"plan_id" INTEGER'


def _plan_optional(migrator, database, optional):
    if not isinstance(database, pw.SqliteDatabase):
        if optional:
            migrator.drop_not_null('orders', 'plan')
        else:
            migrator.add_not_null('orders', 'plan')
        return
    old, new = (STRICT, LOOSE) if optional else (LOOSE, STRICT)
    version = database.execute_sql("PRAGMA schema_version").fetchone()[0]
    database.execute_sql("PRAGMA writable_schema=ON")
    database.execute_sql(
        "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = 'orders'",
        (old, new),
    )
    database.execute_sql(f"PRAGMA schema_version={int(version) + 1}")
    database.execute_sql("PRAGMA writable_schema=OFF")


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    _plan_optional(migrator, database, optional=True)

    @migrator.create_model
    class BalanceEntry(pw.Model):
        id = pw.AutoField()
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['users'], on_delete='CASCADE')
        amount_cents = pw.IntegerField()
        currency = pw.CharField(default='USD', max_length=255)
        reason = pw.CharField(max_length=255)
        note = pw.CharField(default='', max_length=500)
        order = pw.ForeignKeyField(column_name='order_id', field='id', model=migrator.orm['orders'], null=True, on_delete='SET NULL')
        payment = pw.ForeignKeyField(column_name='payment_id', field='id', model=migrator.orm['payments'], null=True, on_delete='SET NULL')
        refund = pw.ForeignKeyField(column_name='refund_id', field='id', model=migrator.orm['refunds'], null=True, on_delete='SET NULL')
        agent = pw.ForeignKeyField(column_name='agent_id', field='id', model=migrator.orm['users'], null=True, on_delete='SET NULL')
        idempotency_key = pw.CharField(max_length=255, unique=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "balance_entries"
            indexes = [(('user', 'created_at'), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('balance_entries')
    _plan_optional(migrator, database, optional=False)
