"""The signed-in customer's own eSIMs and orders: anyone else's is 404, as if it did not exist."""

from flask import abort
from flask_login import current_user

from app.services import esims
from app.services import orders


def owned_esim_or_404(esim_id, card=False):
    """The current user's eSIM with this id (`card`: only what its card and usage widget show)."""
    esim = esims.owned(current_user.id, esim_id, card)
    if esim is None:
        abort(404)
    return esim


def owned_order_or_404(order_id):
    """The current user's order with this id; anyone else's is 404."""
    order = orders.owned(current_user.id, order_id)
    if order is None:
        abort(404)
    return order
