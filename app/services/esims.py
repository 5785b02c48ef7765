"""Finding eSIMs: a customer's own, and any customer's for support."""

from app.models import Esim
from app.models import User
from app.models.esims import CARD_TERMS

# What cards and usage widgets load, built once: each request only adds its WHERE (a copy).
CARDS = Esim.with_plan(columns=Esim.card_columns(), terms=CARD_TERMS)


def of(user):
    """The customer's eSIMs with their plans, as their cards show them, in no order (the
    dashboard orders them by urgency, usage.by_urgency)."""
    return list(CARDS.where(Esim.user == user))


def owned(user_id, esim_id, card=False):
    """The eSIM with this id if it is this user's; None otherwise, whoever's it is.

    With `card`, only what its card and usage widget show (not its install details).
    """
    query = CARDS if card else Esim.with_plan()
    return query.where(Esim.id == esim_id, Esim.user == user_id).first()


def of_a_customer(esim_id):
    """The eSIM with this id if a customer owns it (staff accounts' lines are not support's business)."""
    return Esim.select().join(User).where(Esim.id == esim_id, User.role == "customer").first()
