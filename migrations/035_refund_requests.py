"""Peewee migrations -- 035_refund_requests.py.

A customer's refund request (one per order) and each change of its state.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class RefundRequest(pw.Model):
        id = pw.AutoField()
        order = pw.ForeignKeyField(column_name='order_id', field='id', model=migrator.orm['orders'], on_delete='CASCADE', unique=True)
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['users'], on_delete='CASCADE')
        reason = pw.CharField(max_length=255)
        note = pw.CharField(default='', max_length=1000)
        destination = pw.CharField(default='original', max_length=255)
        state = pw.CharField(default='requested', index=True, max_length=255)
        installed = pw.BooleanField(default=False)
        data_used_mb = pw.IntegerField(default=0)
        amount_cents = pw.IntegerField(default=0)
        refund = pw.ForeignKeyField(column_name='refund_id', field='id', model=migrator.orm['refunds'], null=True, on_delete='SET NULL')
        decided_by = pw.ForeignKeyField(column_name='decided_by_id', field='id', model=migrator.orm['users'], null=True, on_delete='SET NULL')
        answer = pw.CharField(default='', max_length=1000)
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "refund_requests"
            indexes = [(('state', 'created_at'), False)]

    @migrator.create_model
    class RefundRequestEvent(pw.Model):
        id = pw.AutoField()
        request = pw.ForeignKeyField(column_name='request_id', field='id', model=migrator.orm['refund_requests'], on_delete='CASCADE')
        from_state = pw.CharField(default='', max_length=255)
        to_state = pw.CharField(max_length=255)
        actor = pw.ForeignKeyField(column_name='actor_id', field='id', model=migrator.orm['users'], null=True, on_delete='SET NULL')
        note = pw.CharField(default='', max_length=1000)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "refund_request_events"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('refund_request_events')
    migrator.remove_model('refund_requests')
