"""Peewee migrations -- 018_phones_e164.py.

Phone numbers kept in E.164 form (`+85512345678`, Cambodian unless written otherwise,
any script's digits), and their search key (`phone_digits`) made from that form. A
phone that is no valid number is left as it was typed, with its key as before.
"""

import peewee as pw
import phonenumbers
from peewee_migrate import Migrator


def _e164(phone):
    # As app.phones.e164 was when this migration was written.
    try:
        number = phonenumbers.parse(phone.strip(), "KH")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _normalise(database):
    rows = database.execute_sql("SELECT id, phone FROM users WHERE phone <> ''").fetchall()
    for user_id, phone in rows:
        number = _e164(phone)
        if number is None:
            continue
        database.execute_sql(
            "UPDATE users SET phone = %s, phone_digits = %s WHERE id = %s".replace("%s", database.param),
            (number, number[1:], user_id),
        )


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.run(_normalise, database)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    pass  # the numbers stay in E.164 form: every earlier version reads it
