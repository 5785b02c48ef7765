"""Peewee migrations -- 016_renewal_promises.py.

A renewal keeps the expiry its summary promised; once the operator has applied it,
a shortfall (an earlier expiry, or less data than bought) is kept with the expiry the
operator reported, and support's list of them reads the index on it.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        'orders',
        promised_expires_at=pw.DateTimeField(null=True),
        operator_shortfall=pw.CharField(default='', max_length=255, index=True),
        reported_expires_at=pw.DateTimeField(null=True),
    )


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields('orders', 'promised_expires_at', 'operator_shortfall', 'reported_expires_at')
