"""Peewee migrations -- 001_initial.py.

Some examples (model - class or model name)::

    > Model = migrator.orm['table_name']            # Return model in current state by name
    > Model = migrator.ModelClass                   # Return model in current state by name

    > migrator.sql(sql)                             # Run custom SQL
    > migrator.run(func, *args, **kwargs)           # Run python function with the given args
    > migrator.create_model(Model)                  # Create a model (could be used as decorator)
    > migrator.remove_model(model, cascade=True)    # Remove a model
    > migrator.add_fields(model, **fields)          # Add fields (allow_not_null=True skips default)
    > migrator.change_fields(model, **fields)       # Change fields
    > migrator.remove_fields(model, *field_names, cascade=True)
    > migrator.rename_field(model, old_field_name, new_field_name)
    > migrator.rename_table(model, new_table_name)
    > migrator.add_index(model, *col_names, unique=False)
    > migrator.add_not_null(model, *field_names)
    > migrator.add_default(model, field_name, default)
    > migrator.add_constraint(model, name, sql)
    > migrator.drop_index(model, *col_names)
    > migrator.drop_not_null(model, *field_names)
    > migrator.drop_constraints(model, *constraints)

"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""
    
    @migrator.create_model
    class User(pw.Model):
        id = pw.AutoField()
        email = pw.CharField(max_length=255, unique=True)
        password_hash = pw.CharField(max_length=255)
        name = pw.CharField(default='', max_length=255)
        phone = pw.CharField(default='', max_length=255)
        language = pw.CharField(default='en', max_length=255)
        role = pw.CharField(default='customer', max_length=255)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "users"

    @migrator.create_model
    class AuditLog(pw.Model):
        id = pw.AutoField()
        actor = pw.ForeignKeyField(column_name='actor_id', field='id', model=migrator.orm['users'], null=True)
        customer = pw.ForeignKeyField(column_name='customer_id', field='id', model=migrator.orm['users'], null=True)
        action = pw.CharField(max_length=255)
        detail = pw.TextField(default='')
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "audit_log"

    @migrator.create_model
    class Device(pw.Model):
        id = pw.AutoField()
        brand = pw.CharField(max_length=255)
        model = pw.CharField(max_length=255)
        note = pw.CharField(default='', max_length=255)
        sort = pw.IntegerField(default=0)

        class Meta:
            table_name = "devices"
            indexes = [(('brand', 'model'), True)]

    @migrator.create_model
    class Plan(pw.Model):
        id = pw.AutoField()
        code = pw.CharField(max_length=255, unique=True)
        kind = pw.CharField(max_length=255)
        days = pw.IntegerField()
        data_mb = pw.IntegerField()
        minutes = pw.IntegerField(default=0)
        price_cents = pw.IntegerField()
        currency = pw.CharField(default='USD', max_length=255)
        active = pw.BooleanField(default=True)
        sort = pw.IntegerField(default=0)

        class Meta:
            table_name = "plans"

    @migrator.create_model
    class Esim(pw.Model):
        id = pw.AutoField()
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['users'], on_delete='CASCADE')
        iccid = pw.CharField(max_length=255, unique=True)
        label = pw.CharField(default='', max_length=255)
        smdp_address = pw.CharField(default='', max_length=255)
        matching_id = pw.CharField(default='', max_length=255)
        plan = pw.ForeignKeyField(column_name='plan_id', field='id', model=migrator.orm['plans'], null=True)
        installed_at = pw.DateTimeField(null=True)
        expires_at = pw.DateTimeField(null=True)
        data_total_mb = pw.IntegerField(default=0)
        data_used_mb = pw.IntegerField(default=0)
        minutes_total = pw.IntegerField(default=0)
        minutes_used = pw.IntegerField(default=0)
        usage_read_at = pw.DateTimeField(null=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "esims"

    @migrator.create_model
    class PromoCode(pw.Model):
        id = pw.AutoField()
        code = pw.CharField(max_length=255, unique=True)
        kind = pw.CharField(max_length=255)
        value = pw.IntegerField()
        valid_from = pw.DateTimeField(null=True)
        valid_until = pw.DateTimeField(null=True)
        max_redemptions = pw.IntegerField(null=True)
        redemptions = pw.IntegerField(default=0)
        plan_kinds = pw.CharField(default='', max_length=255)
        active = pw.BooleanField(default=True)

        class Meta:
            table_name = "promo_codes"

    @migrator.create_model
    class Order(pw.Model):
        id = pw.AutoField()
        number = pw.CharField(max_length=255, unique=True)
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['users'], on_delete='CASCADE')
        esim = pw.ForeignKeyField(column_name='esim_id', field='id', model=migrator.orm['esims'], null=True)
        plan = pw.ForeignKeyField(column_name='plan_id', field='id', model=migrator.orm['plans'])
        kind = pw.CharField(default='renewal', max_length=255)
        status = pw.CharField(default='pending', index=True, max_length=255)
        price_cents = pw.IntegerField()
        discount_cents = pw.IntegerField(default=0)
        amount_cents = pw.IntegerField()
        currency = pw.CharField(default='USD', max_length=255)
        promo = pw.ForeignKeyField(column_name='promo_id', field='id', model=migrator.orm['promo_codes'], null=True)
        bonus_data_mb = pw.IntegerField(default=0)
        provider = pw.CharField(default='', max_length=255)
        provider_ref = pw.CharField(default='', index=True, max_length=255)
        payment_method = pw.CharField(default='', max_length=255)
        operator_ref = pw.CharField(default='', max_length=255)
        failure_reason = pw.CharField(default='', max_length=255)
        assisted_by = pw.ForeignKeyField(column_name='assisted_by_id', field='id', model=migrator.orm['users'], null=True)
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        paid_at = pw.DateTimeField(null=True)
        fulfilled_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "orders"

    @migrator.create_model
    class OrderEvent(pw.Model):
        id = pw.AutoField()
        order = pw.ForeignKeyField(column_name='order_id', field='id', model=migrator.orm['orders'], on_delete='CASCADE')
        from_status = pw.CharField(default='', max_length=255)
        to_status = pw.CharField(max_length=255)
        source = pw.CharField(max_length=255)
        note = pw.CharField(default='', max_length=255)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "order_events"

    @migrator.create_model
    class WebhookEvent(pw.Model):
        id = pw.AutoField()
        event_id = pw.CharField(max_length=255, unique=True)
        type = pw.CharField(max_length=255)
        received_at = pw.DateTimeField()

        class Meta:
            table_name = "webhook_events"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""
    
    migrator.remove_model('webhook_events')

    migrator.remove_model('order_events')

    migrator.remove_model('orders')

    migrator.remove_model('promo_codes')

    migrator.remove_model('esims')

    migrator.remove_model('plans')

    migrator.remove_model('devices')

    migrator.remove_model('audit_log')

    migrator.remove_model('users')
