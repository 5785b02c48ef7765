"""The signed-in customer's own eSIMs and orders: anyone else's is 404, as if it did not exist."""

from flask import abort
from flask_login import current_user

from app.models import Esim
from app.models import Order


def owned_esim_or_404(esim_id):
    """The current user's eSIM with this id."""
    esim = Esim.get_or_none(Esim.id == esim_id, Esim.user == current_user.id)
    if esim is None:
        abort(404)
    return esim


def owned_order_or_404(order_id):
    """The current user's order with this id; anyone else's is 404."""
    order = Order.get_or_none(Order.id == order_id, Order.user == current_user.id)
    if order is None:
        abort(404)
    return order
