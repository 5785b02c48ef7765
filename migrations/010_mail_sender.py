"""Peewee migrations -- 010_mail_sender.py.

Each email's From header, with the sender's name in the reader's language.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.add_fields(
        'outgoing_mail',

        sender=pw.CharField(default='', max_length=255))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_fields('outgoing_mail', 'sender')
