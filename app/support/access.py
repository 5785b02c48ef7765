"""Who may use the support console: agents and admins; some actions are for admins only."""

from functools import wraps

from flask import abort
from flask_login import current_user
from flask_login import login_required

from app.services import orders


def staff_required(view):
    """Agents and admins; anyone else logged in gets 403, anonymous visitors the login page."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.role not in ("agent", "admin"):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.role != "admin":
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def order_or_404(order_id):
    """A customer's order by id; staff accounts' orders are not the console's business."""
    order = orders.of_a_customer(order_id)
    if order is None:
        abort(404)
    return order
