"""Peewee migrations -- 013_history_pages.py.

Order history and the support customer page read a page at a time, newest
first: indexes that hand those pages over in order. The reminders task renews
the oldest usage readings first: an index on when each was read.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_index('orders', 'user', 'created_at')
    migrator.add_index('audit_log', 'customer', 'created_at')
    migrator.add_index('order_events', 'order', 'created_at')
    migrator.add_index('esims', 'usage_read_at')


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.drop_index('esims', 'usage_read_at')
    migrator.drop_index('order_events', 'order', 'created_at')
    migrator.drop_index('audit_log', 'customer', 'created_at')
    migrator.drop_index('orders', 'user', 'created_at')
