"""Peewee migrations -- 014_pending_orders.py.

expire-orders finds pending orders that never opened a checkout by status,
reference and age; the reminders task finds the oldest readings of eSIMs still
active. Indexes that answer both without reading the orders or eSIMs left aside.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_index('orders', 'status', 'provider_ref', 'created_at')
    migrator.add_index('esims', 'usage_read_at', 'expires_at')


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.drop_index('esims', 'usage_read_at', 'expires_at')
    migrator.drop_index('orders', 'status', 'provider_ref', 'created_at')
