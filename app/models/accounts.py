"""People: customers and staff, their logins, what staff did, and the mail written to them."""

from flask_login import UserMixin
from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from app import phones
from app.models.base import BaseModel
from app.models.base import phone_digits
from app.models.base import utcnow
from app.models.base import with_field


class User(UserMixin, BaseModel):
    email = CharField(unique=True)
    password_hash = CharField()
    name = CharField(default="")
    phone = CharField(default="")
    phone_digits = CharField(default="", index=True)  # E.164 digits, for support's search
    language = CharField(default="en")
    role = CharField(default="customer")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "users"

    def save(self, *args, only=None, **kwargs):
        # Kept in E.164 form whatever wrote it; what is no phone number is kept as it was typed.
        self.phone = phones.e164(self.phone) or (self.phone or "").strip()
        self.phone_digits = phone_digits(self.phone)
        return super().save(*args, only=with_field(only, "phone_digits"), **kwargs)

    @classmethod
    def by_email(cls, email):
        return cls.get_or_none(cls.email == (email or "").strip().lower())

    @property
    def is_staff(self):
        return self.role in ("agent", "admin")

    # Flask-Login keeps get_id() in the session cookie: the id of this login's server-side
    # session row, not the user's id, so that ending the row ends the login on every copy of it.
    session_token = None

    def get_id(self):
        return self.session_token


class UserSession(BaseModel):
    """One login on one device: the cookie names it, and deleting the row logs that device out."""

    token = CharField(unique=True)
    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
    last_seen_at = DateTimeField(default=utcnow)
    user_agent = CharField(default="", max_length=200)

    class Meta:
        table_name = "user_sessions"


class AuditLog(BaseModel):
    actor = ForeignKeyField(User, null=True, backref="actions")
    customer = ForeignKeyField(User, null=True, backref="audit_entries")
    action = CharField()
    detail = TextField(default="")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "audit_log"
        indexes = ((("customer", "created_at"), False),)


class OutgoingMail(BaseModel):
    """An email, written down before it is sent: the worker delivers it, retrying until it goes.

    A worker claims a row (`claimed_by` its token, `locked_until` when the claim lapses)
    right before sending it, so two workers never send it twice, and `sent_at` is set
    once the mail server has taken it.
    """

    to = CharField()
    sender = CharField(default="")  # the From header, with the sender's name in the reader's language
    subject = CharField(max_length=500)
    body = TextField()
    message_id = CharField(unique=True)  # the same on every try, so a mailbox can tell a repeat
    created_at = DateTimeField(default=utcnow)
    attempts = IntegerField(default=0)
    next_try_at = DateTimeField(default=utcnow, index=True)
    locked_until = DateTimeField(null=True)
    claimed_by = CharField(default="", max_length=32)
    sent_at = DateTimeField(null=True, index=True)
    last_error = CharField(default="", max_length=500)

    class Meta:
        table_name = "outgoing_mail"
