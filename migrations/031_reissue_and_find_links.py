"""Peewee migrations -- 031_reissue_and_find_links.py.

The simulated operator counts the activation codes it gave each line (a deleted eSIM may be
downloaded again, up to a limit); /find's one-time links to an eSIM's pages.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields("sim_lines", profiles_issued=pw.IntegerField(default=1))

    @migrator.create_model
    class FindLink(pw.Model):
        id = pw.AutoField()
        esim = pw.ForeignKeyField(column_name="esim_id", field="id", model=migrator.orm["esims"], on_delete="CASCADE")
        nonce = pw.CharField(max_length=32, unique=True)
        created_at = pw.DateTimeField()
        used_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "find_links"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model("find_links")
    migrator.remove_fields("sim_lines", "profiles_issued")
