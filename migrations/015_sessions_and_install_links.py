"""Peewee migrations -- 013_sessions_and_install_links.py.

Server-side login sessions that logout, a password change or "log out everywhere" end;
a version on each eSIM's install link, so a resent email makes the older links stop working.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    @migrator.create_model
    class UserSession(pw.Model):
        id = pw.AutoField()
        token = pw.CharField(max_length=255, unique=True)
        user = pw.ForeignKeyField(
            column_name="user_id", field="id", model=migrator.orm["users"], on_delete="CASCADE"
        )
        created_at = pw.DateTimeField()
        last_seen_at = pw.DateTimeField()
        user_agent = pw.CharField(default="", max_length=200)

        class Meta:
            table_name = "user_sessions"

    migrator.add_fields("esims", install_link_version=pw.IntegerField(default=0))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_fields("esims", "install_link_version")

    migrator.remove_model("user_sessions")
