"""Peewee migrations -- 006_worker.py.

The background worker: an order's attempts and when it is next due, the email
outbox, and the keys that let an operator be asked twice for one order safely.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.add_fields(
        'orders',

        attempts=pw.IntegerField(default=0),
        next_attempt_at=pw.DateTimeField(null=True, index=True))

    migrator.add_fields(
        'sim_lines',

        request_key=pw.CharField(max_length=255, null=True, unique=True))

    migrator.add_fields(
        'sim_applications',

        request_key=pw.CharField(max_length=255, null=True, unique=True))

    migrator.add_fields(
        'operator_attempts',

        request_key=pw.CharField(max_length=255, null=True, unique=True))

    @migrator.create_model
    class OutgoingMail(pw.Model):
        id = pw.AutoField()
        to = pw.CharField(max_length=255)
        subject = pw.CharField(max_length=500)
        body = pw.TextField()
        message_id = pw.CharField(max_length=255, unique=True)
        created_at = pw.DateTimeField()
        attempts = pw.IntegerField(default=0)
        next_try_at = pw.DateTimeField(index=True)
        locked_until = pw.DateTimeField(null=True)
        sent_at = pw.DateTimeField(null=True, index=True)
        last_error = pw.CharField(default='', max_length=500)

        class Meta:
            table_name = "outgoing_mail"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_model('outgoing_mail')

    migrator.remove_fields('operator_attempts', 'request_key')

    migrator.remove_fields('sim_applications', 'request_key')

    migrator.remove_fields('sim_lines', 'request_key')

    migrator.remove_fields('orders', 'attempts', 'next_attempt_at')
