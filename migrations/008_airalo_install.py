"""Peewee migrations -- 008_airalo_install.py.

The operator's own iOS one-tap install link, kept with the eSIM.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.add_fields(
        'esims',

        apple_install_url=pw.CharField(default='', max_length=1000))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_fields('esims', 'apple_install_url')
