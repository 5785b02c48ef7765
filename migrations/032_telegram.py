"""Peewee migrations -- 032_telegram.py.

Telegram: linked chats, the one-time tokens of deep links (hashed), where each customer
wants notices, the outbox of messages to chats, and the long poll's offset.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    users = migrator.orm['users']

    @migrator.create_model
    class TelegramChat(pw.Model):
        id = pw.AutoField()
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=users, on_delete='CASCADE', unique=True)
        chat_id = pw.BigIntegerField(unique=True)
        linked_at = pw.DateTimeField()

        class Meta:
            table_name = "telegram_chats"

    @migrator.create_model
    class TelegramLinkToken(pw.Model):
        id = pw.AutoField()
        token_hash = pw.CharField(max_length=64, unique=True)
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=users, on_delete='CASCADE')
        created_at = pw.DateTimeField()
        expires_at = pw.DateTimeField()
        used_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "telegram_link_tokens"

    @migrator.create_model
    class NoticeChoice(pw.Model):
        id = pw.AutoField()
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=users, on_delete='CASCADE', unique=True)
        channels = pw.CharField(default='email', max_length=10)

        class Meta:
            table_name = "notice_choices"

    @migrator.create_model
    class OutgoingTelegram(pw.Model):
        id = pw.AutoField()
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=users, on_delete='CASCADE', null=True)
        chat_id = pw.BigIntegerField()
        kind = pw.CharField(max_length=40)
        text = pw.TextField()
        buttons = pw.TextField(default='[]')
        fallback_to = pw.CharField(default='', max_length=255)
        fallback_subject = pw.CharField(default='', max_length=500)
        fallback_body = pw.TextField(default='')
        fallback_lang = pw.CharField(default='en', max_length=5)
        created_at = pw.DateTimeField()
        next_try_at = pw.DateTimeField(index=True)
        locked_until = pw.DateTimeField(null=True)
        claimed_by = pw.CharField(default='', max_length=32)
        attempts = pw.IntegerField(default=0)
        sent_at = pw.DateTimeField(null=True, index=True)
        dropped_at = pw.DateTimeField(null=True)
        last_error = pw.CharField(default='', max_length=500)

        class Meta:
            table_name = "outgoing_telegram"

    @migrator.create_model
    class TelegramPoll(pw.Model):
        id = pw.AutoField()
        offset = pw.BigIntegerField(default=0)

        class Meta:
            table_name = "telegram_poll"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    for table in ('telegram_poll', 'outgoing_telegram', 'notice_choices', 'telegram_link_tokens', 'telegram_chats'):
        migrator.remove_model(table)
