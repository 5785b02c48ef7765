"""Orders: history, one order with its live status, and the receipt."""

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from app.orders import bp
from app.services import history as order_history
from app.services import order_money
from app.services import orders
from app.services import refund_requests
from app.web.checkout import chosen_method
from app.web.checkout import send_to_checkout
from app.web.cursors import cursor
from app.web.owned import owned_order_or_404
from app.web.partials import render_page_or_fragment


def order_events(order):
    return orders.timeline(order)


@bp.route("/orders")
@login_required
def history():
    """The customer's orders, newest first, a page at a time: "Older orders" is a link, or htmx in place."""
    page = order_history.orders(current_user.id, cursor("before"))
    return render_page_or_fragment(
        "orders/history.html", "orders/_history_page.html", target="orders-older", orders=page
    )


@bp.route("/orders/<int:order_id>")
@login_required
def detail(order_id):
    """The order and its status; the status widget alone when htmx polls it."""
    order = owned_order_or_404(order_id)
    return render_page_or_fragment(
        "orders/detail.html",
        "orders/_status.html",
        target=f"order-status-{order.id}",
        order=order,
        events=order_events(order),
        money=order_money.money_of(order),
        refund_request=refund_requests.of_order(order),
        may_ask_refund=refund_requests.can_ask(order),
    )


@bp.route("/orders/<int:order_id>/pay", methods=["POST"])
@login_required
def pay(order_id):
    """Pay a pending order (again): back to checkout."""
    order = owned_order_or_404(order_id)
    if order.status != orders.OrderStatus.PENDING:
        return redirect(url_for("orders.detail", order_id=order.id), code=303)
    return send_to_checkout(order, method=chosen_method(request.form))


@bp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@login_required
def cancel(order_id):
    """Give up an order that is still waiting for payment."""
    order = owned_order_or_404(order_id)
    if orders.cancel(order, "customer", note="cancelled_by_customer"):
        flash(_("The order is cancelled. Nothing was charged."), "info")
    return redirect(url_for("orders.detail", order_id=order.id), code=303)


@bp.route("/orders/<int:order_id>/receipt")
@login_required
def receipt(order_id):
    """A printable receipt, once the order is paid."""
    order = owned_order_or_404(order_id)
    if order.paid_at is None:
        abort(404)
    return render_template(
        "orders/receipt.html", order=order, events=order_events(order), money=order_money.money_of(order)
    )
