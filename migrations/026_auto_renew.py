"""Peewee migrations -- 026_auto_renew.py.

Auto-renew: the customer's record at the payment provider and the cards they saved with
their consent, each eSIM's auto-renew setting, one row per renewal cycle (unique per eSIM
and cycle, so a cycle is charged at most once), and the local test provider's cards,
card-saving pages and off-session charges.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class PaymentCustomer(pw.Model):
        id = pw.AutoField()
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['users'], on_delete='CASCADE')
        provider = pw.CharField(max_length=255)
        customer_ref = pw.CharField(max_length=255, unique=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "payment_customers"
            indexes = ((("user", "provider"), True),)

    @migrator.create_model
    class SavedCard(pw.Model):
        id = pw.AutoField()
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['users'], on_delete='CASCADE')
        provider = pw.CharField(max_length=255)
        method_ref = pw.CharField(max_length=255, unique=True)
        brand = pw.CharField(default='', max_length=255)
        last4 = pw.CharField(default='', max_length=255)
        consent_text = pw.TextField()
        consented_at = pw.DateTimeField()
        removed_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "saved_cards"

    @migrator.create_model
    class AutoRenew(pw.Model):
        id = pw.AutoField()
        esim = pw.ForeignKeyField(column_name='esim_id', field='id', model=migrator.orm['esims'], on_delete='CASCADE', unique=True)
        plan = pw.ForeignKeyField(column_name='plan_id', field='id', model=migrator.orm['plans'])
        enabled = pw.BooleanField(default=False, index=True)
        funding = pw.CharField(default='card', max_length=255)
        card = pw.ForeignKeyField(column_name='card_id', field='id', model=migrator.orm['saved_cards'], null=True, on_delete='SET NULL')
        data_below_percent = pw.IntegerField(default=0)
        hours_before_expiry = pw.IntegerField(default=0)
        monthly_cap_cents = pw.IntegerField()
        consent_text = pw.TextField(default='')
        consented_at = pw.DateTimeField(null=True)
        failures = pw.IntegerField(default=0)
        stopped_reason = pw.CharField(default='', max_length=255)
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "auto_renewals"

    @migrator.create_model
    class RenewalCycle(pw.Model):
        id = pw.AutoField()
        esim = pw.ForeignKeyField(column_name='esim_id', field='id', model=migrator.orm['esims'], on_delete='CASCADE')
        cycle = pw.CharField(max_length=255)
        ends_at = pw.DateTimeField()
        status = pw.CharField(default='noticed', max_length=255)
        order = pw.ForeignKeyField(column_name='order_id', field='id', model=migrator.orm['orders'], null=True, on_delete='SET NULL')
        amount_cents = pw.IntegerField(default=0)
        charge_ref = pw.CharField(default='', max_length=255)
        note = pw.CharField(default='', max_length=255)
        claimed_at = pw.DateTimeField(null=True)
        created_at = pw.DateTimeField()
        charged_at = pw.DateTimeField(null=True, index=True)

        class Meta:
            table_name = "renewal_cycles"
            indexes = ((("esim", "cycle"), True),)

    @migrator.create_model
    class LocalCard(pw.Model):
        id = pw.AutoField()
        method_ref = pw.CharField(max_length=255, unique=True)
        customer_ref = pw.CharField(max_length=255, index=True)
        brand = pw.CharField(default='visa', max_length=255)
        last4 = pw.CharField(default='4242', max_length=255)
        outcome = pw.CharField(default='succeeded', max_length=255)
        attached = pw.IntegerField(default=1)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "local_cards"

    @migrator.create_model
    class LocalCardSetup(pw.Model):
        id = pw.AutoField()
        session_id = pw.CharField(max_length=255, unique=True)
        customer_ref = pw.CharField(max_length=255)
        success_url = pw.CharField(max_length=1000)
        cancel_url = pw.CharField(max_length=1000)
        status = pw.CharField(default='open', max_length=255)
        method_ref = pw.CharField(default='', max_length=255)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "local_card_setups"

    @migrator.create_model
    class LocalCharge(pw.Model):
        id = pw.AutoField()
        intent_ref = pw.CharField(max_length=255, unique=True)
        idempotency_key = pw.CharField(max_length=255, unique=True)
        method_ref = pw.CharField(max_length=255)
        amount_cents = pw.IntegerField()
        currency = pw.CharField(max_length=255)
        status = pw.CharField(max_length=255)
        error_code = pw.CharField(default='', max_length=255)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "local_charges"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    for table in ('local_charges', 'local_card_setups', 'local_cards', 'renewal_cycles', 'auto_renewals',
                  'saved_cards', 'payment_customers'):
        migrator.remove_model(table)
