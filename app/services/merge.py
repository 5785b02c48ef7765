"""Two records of one person made one: everything of the other record moves to the one kept.

The merged-away record stays (its id is in the audit trail) but is no customer any more: its
role is `merged`, its address a placeholder that blocks no one, its password unusable and its
logins ended. What the kept record lacks (name, phone, a real email and its password) it takes
from the other, so the person logs in as before.
"""

from peewee import PostgresqlDatabase

from app import phones
from app.extensions import db
from app.models import AuditLog
from app.models import BalanceEntry
from app.models import Esim
from app.models import Order
from app.models import User
from app.models import UserSession
from app.services import support
from app.services import telegram_links

UNUSABLE_PASSWORD = "!merged"  # no hash: no password matches it


class MergeError(Exception):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def candidates(customer):
    """Other customers with the same phone number, oldest first: the records to merge into this one."""
    if not customer.phone_digits:
        return []
    return list(
        User.select()
        .where(
            User.phone_digits == customer.phone_digits,
            User.role == "customer",
            User.id != customer.id,
        )
        .order_by(User.id)
    )


def counts(customer):
    """How many eSIMs and orders a record holds, for the confirmation page."""
    return {
        "esims": Esim.select().where(Esim.user == customer.id).count(),
        "orders": Order.select().where(Order.user == customer.id).count(),
    }


def merge(admin, kept, other_id):
    """Move the eSIMs, orders (with their payments and refunds), balance, reminders, audit entries,
    Telegram chat and logins of customer `other_id` to `kept`, and retire the other record; audited.
    All or nothing, and once: a second merge of the same record finds it no longer a customer."""
    if not isinstance(other_id, int) or other_id == kept.id:
        raise MergeError("bad_choice")
    with db.atomic():
        _lock(kept.id, other_id)
        found = {
            u.id: u for u in User.select().where(User.id.in_([kept.id, other_id]), User.role == "customer")
        }
        if len(found) != 2:
            raise MergeError("bad_choice")
        kept, other = found[kept.id], found[other_id]
        retired = (
            User.update(
                role="merged",
                email=f"merged-{other.id}@merged.invalid",
                password_hash=UNUSABLE_PASSWORD,
                phone="",
                phone_digits="",
            )
            .where(User.id == other.id, User.role == "customer")
            .execute()
        )
        if retired != 1:
            raise MergeError("bad_choice")
        moved = {
            "esims": Esim.update(user=kept.id).where(Esim.user == other.id).execute(),
            "orders": Order.update(user=kept.id).where(Order.user == other.id).execute(),
        }
        BalanceEntry.update(user=kept.id).where(BalanceEntry.user == other.id).execute()
        AuditLog.update(customer=kept.id).where(AuditLog.customer == other.id).execute()
        AuditLog.update(actor=kept.id).where(AuditLog.actor == other.id).execute()
        UserSession.delete().where(UserSession.user == other.id).execute()
        telegram_links.hand_over(other.id, kept.id)
        _take_what_is_missing(kept, other)
        facts = (f"#{other.id}", other.name, _address(other), phones.readable(other.phone))
        support.audit(admin, kept, "customers_merged", " · ".join(part for part in facts if part))
    return moved


def _lock(*ids):
    """Hold both records until the merge commits, so two admins merging one pair (either way
    round) go one after the other and the second finds a record no longer a customer."""
    if isinstance(db.obj, PostgresqlDatabase):
        list(User.select(User.id).where(User.id.in_(ids)).order_by(User.id).for_update())
    else:  # SQLite: take the database's write lock first, before anything is read
        User.update(role=User.role).where(User.id.in_(ids)).execute()


def _address(user):
    return user.email if support.has_mailbox(user) else ""


def _take_what_is_missing(kept, other):
    fields = []
    if not kept.name and other.name:
        kept.name, fields = other.name, [*fields, "name"]
    if not kept.phone and other.phone:
        kept.phone, fields = other.phone, [*fields, "phone"]
    if not support.has_mailbox(kept) and support.has_mailbox(other):
        kept.email, kept.password_hash = other.email, other.password_hash
        fields += ["email", "password_hash"]
    if fields:
        kept.save(only=fields)
