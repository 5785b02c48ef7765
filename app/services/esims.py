"""Finding eSIMs: a customer's own, and any customer's for support."""

from app.models import Esim
from app.models import User


def of(user):
    """The customer's eSIMs with their plans, soonest to expire first."""
    return list(Esim.owned_by(user))


def owned(user_id, esim_id, card=False):
    """The eSIM with this id if it is this user's; None otherwise, whoever's it is.

    With `card`, only what its card and usage widget show (not its install details).
    """
    columns = Esim.card_columns() if card else None
    return Esim.with_plan(columns=columns).where(Esim.id == esim_id, Esim.user == user_id).first()


def of_a_customer(esim_id):
    """The eSIM with this id if a customer owns it (staff accounts' lines are not support's business)."""
    return Esim.select().join(User).where(Esim.id == esim_id, User.role == "customer").first()
