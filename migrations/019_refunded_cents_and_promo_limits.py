"""Peewee migrations -- 019_refunded_cents_and_promo_limits.py.

Each payment keeps how much of it refunds have taken, so a refund is a compare-and-set
on that amount (parallel refunds never take more than was paid); it starts as the sum of
the refunds that already take from it. A promo code may limit how often one customer uses it.
"""

import peewee as pw
from peewee_migrate import Migrator

TAKING = "('queued', 'pending', 'succeeded', 'manual', 'transfer')"


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields("payments", refunded_cents=pw.IntegerField(default=0))
    migrator.add_fields("promo_codes", per_customer=pw.IntegerField(null=True))
    migrator.sql(
        "UPDATE payments SET refunded_cents = (SELECT COALESCE(SUM(amount_cents), 0) FROM refunds"
        f" WHERE refunds.payment_id = payments.id AND refunds.status IN {TAKING})"
    )


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("promo_codes", "per_customer")
    migrator.remove_fields("payments", "refunded_cents")
