"""Peewee migrations -- 017_khqr_codes.py.

KHQR (Bakong) codes shown for orders, which the worker asks about until paid or
expired, and the bank payments test mode "makes" for them.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class KhqrCode(pw.Model):
        id = pw.AutoField()
        md5 = pw.CharField(max_length=255, unique=True)
        order = pw.ForeignKeyField(column_name='order_id', field='id', model=migrator.orm['orders'], on_delete='CASCADE')
        qr = pw.TextField()
        amount = pw.IntegerField()
        currency = pw.CharField(max_length=255)
        order_amount_cents = pw.IntegerField()
        order_currency = pw.CharField(max_length=255)
        khr_per_usd = pw.IntegerField(default=0)
        deep_link = pw.CharField(default='', max_length=500)
        status = pw.CharField(default='open', max_length=255)
        created_at = pw.DateTimeField()
        expires_at = pw.DateTimeField()
        checks = pw.IntegerField(default=0)
        next_check_at = pw.DateTimeField(null=True, index=True)
        paid_at = pw.DateTimeField(null=True)
        bakong_hash = pw.CharField(default='', max_length=255)
        payer_account = pw.CharField(default='', max_length=255)
        paid_amount = pw.IntegerField(null=True)
        paid_currency = pw.CharField(default='', max_length=255)

        class Meta:
            table_name = "khqr_codes"

    @migrator.create_model
    class TestBankTransfer(pw.Model):
        id = pw.AutoField()
        md5 = pw.CharField(max_length=255, unique=True)
        hash = pw.CharField(max_length=255)
        from_account = pw.CharField(max_length=255)
        amount = pw.IntegerField()
        currency = pw.CharField(max_length=255)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "test_bank_transfers"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('test_bank_transfers')
    migrator.remove_model('khqr_codes')
