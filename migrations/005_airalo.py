"""Peewee migrations -- 005_airalo.py.

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
    
    migrator.add_fields(
        'plans',

        operator_package=pw.CharField(default='', index=True, max_length=255))

    @migrator.create_model
    class OperatorAttempt(pw.Model):
        id = pw.AutoField()
        reference = pw.CharField(max_length=255, unique=True)
        kind = pw.CharField(max_length=255)
        iccid = pw.CharField(default='', index=True, max_length=255)
        package_id = pw.CharField(max_length=255)
        status = pw.CharField(default='sending', max_length=255)
        seen_before = pw.IntegerField(default=0)
        tries = pw.IntegerField(default=1)
        operator_order = pw.CharField(default='', max_length=255)
        result = pw.TextField(default='')
        note = pw.CharField(default='', max_length=255)
        created_at = pw.DateTimeField()
        sent_at = pw.DateTimeField()

        class Meta:
            table_name = "operator_attempts"

    @migrator.create_model
    class OperatorReading(pw.Model):
        id = pw.AutoField()
        iccid = pw.CharField(max_length=255, unique=True)
        payload = pw.TextField()
        read_at = pw.DateTimeField()

        class Meta:
            table_name = "operator_readings"

    @migrator.create_model
    class OperatorToken(pw.Model):
        id = pw.AutoField()
        name = pw.CharField(max_length=255, unique=True)
        token = pw.TextField()
        expires_at = pw.DateTimeField()

        class Meta:
            table_name = "operator_tokens"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""
    
    migrator.remove_fields('plans', 'operator_package')

    migrator.remove_model('operator_tokens')

    migrator.remove_model('operator_readings')

    migrator.remove_model('operator_attempts')
