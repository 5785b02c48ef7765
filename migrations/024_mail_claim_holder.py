"""Peewee migrations -- 024_mail_claim_holder.py.

An email is claimed by one worker right before it is sent: the claim names its
holder, so a worker whose claim lapsed can tell before sending that another took it.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields('outgoing_mail', claimed_by=pw.CharField(default='', max_length=32))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields('outgoing_mail', 'claimed_by')
