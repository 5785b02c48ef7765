"""Peewee migrations -- 007_refunds.py.

Payments as the provider reported them, refunds sent through the provider,
disputes, the test provider's own refunds, and one open order per intention.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    @migrator.create_model
    class Payment(pw.Model):
        id = pw.AutoField()
        order = pw.ForeignKeyField(column_name='order_id', field='id', model=migrator.orm['orders'], on_delete='CASCADE')
        provider = pw.CharField(max_length=255)
        session_ref = pw.CharField(max_length=255)
        intent_ref = pw.CharField(default='', max_length=255)
        amount_cents = pw.IntegerField()
        currency = pw.CharField(max_length=255)
        kind = pw.CharField(default='order', max_length=255)
        received_at = pw.DateTimeField()

        class Meta:
            table_name = "payments"
            indexes = [(('provider', 'session_ref'), True)]

    @migrator.create_model
    class Refund(pw.Model):
        id = pw.AutoField()
        order = pw.ForeignKeyField(column_name='order_id', field='id', model=migrator.orm['orders'], on_delete='CASCADE')
        payment = pw.ForeignKeyField(column_name='payment_id', field='id', model=migrator.orm['payments'], on_delete='CASCADE')
        amount_cents = pw.IntegerField()
        currency = pw.CharField(max_length=255)
        reason = pw.CharField(max_length=255)
        note = pw.CharField(default='', max_length=500)
        actor = pw.ForeignKeyField(column_name='actor_id', field='id', model=migrator.orm['users'], null=True)
        status = pw.CharField(default='queued', index=True, max_length=255)
        idempotency_key = pw.CharField(max_length=255, unique=True)
        provider_ref = pw.CharField(default='', index=True, max_length=255)
        attempts = pw.IntegerField(default=0)
        next_try_at = pw.DateTimeField()
        locked_until = pw.DateTimeField(null=True)
        last_error = pw.CharField(default='', max_length=500)
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "refunds"

    @migrator.create_model
    class Dispute(pw.Model):
        id = pw.AutoField()
        provider_ref = pw.CharField(max_length=255, unique=True)
        order = pw.ForeignKeyField(column_name='order_id', field='id', model=migrator.orm['orders'], null=True, on_delete='CASCADE')
        intent_ref = pw.CharField(default='', max_length=255)
        amount_cents = pw.IntegerField()
        currency = pw.CharField(max_length=255)
        reason = pw.CharField(default='', max_length=255)
        status = pw.CharField(max_length=255)
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "disputes"

    @migrator.create_model
    class TestRefund(pw.Model):
        id = pw.AutoField()
        refund_id = pw.CharField(max_length=255, unique=True)
        idempotency_key = pw.CharField(max_length=255, unique=True)
        payment_intent = pw.CharField(index=True, max_length=255)
        amount_cents = pw.IntegerField()
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "test_refunds"

    migrator.add_fields(
        'test_checkouts',

        payment_intent=pw.CharField(default='', max_length=255))

    # One open order per customer, eSIM (or none, for a new one) and plan: a second
    # "Continue to payment" finds the first instead of making another. Older duplicates
    # (only the newest of each stays open) are cancelled first, with their event.
    duplicates = (
        "SELECT id FROM orders WHERE status = 'pending' AND id NOT IN ("
        "SELECT MAX(id) FROM orders WHERE status = 'pending' "
        "GROUP BY user_id, COALESCE(esim_id, 0), plan_id)"
    )
    migrator.sql(
        "INSERT INTO order_events (order_id, from_status, to_status, source, note, created_at) "
        f"SELECT id, 'pending', 'cancelled', 'system', 'replaced_by_newer_order', CURRENT_TIMESTAMP "
        f"FROM orders WHERE id IN ({duplicates})"
    )
    migrator.sql(f"UPDATE orders SET status = 'cancelled' WHERE id IN ({duplicates})")
    migrator.sql(
        "CREATE UNIQUE INDEX orders_one_open_per_intention "
        "ON orders (user_id, COALESCE(esim_id, 0), plan_id) WHERE status = 'pending'"
    )


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.sql("DROP INDEX IF EXISTS orders_one_open_per_intention")

    migrator.remove_fields('test_checkouts', 'payment_intent')

    migrator.remove_model('test_refunds')

    migrator.remove_model('disputes')

    migrator.remove_model('refunds')

    migrator.remove_model('payments')
