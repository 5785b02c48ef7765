"""Peewee migrations -- 009_operator_rules.py.

What the operator says of each package: when its days start, whether it can be
renewed, and an APN the customer must set by hand.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.add_fields(
        'plans',

        activation_policy=pw.CharField(default='', max_length=255),
        rechargeable=pw.BooleanField(default=True),
        apn=pw.CharField(default='', max_length=255))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_fields('plans', 'activation_policy', 'rechargeable', 'apn')
