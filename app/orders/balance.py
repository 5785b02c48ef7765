"""The customer's prepaid balance: what is there, every credit and debit, and topping it up."""

from flask import render_template
from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from app.orders import bp
from app.services import balance
from app.text import money
from app.web.checkout import chosen_method
from app.web.checkout import send_to_checkout


def _page(error=None, form=None):
    return render_template(
        "orders/balance.html",
        available=balance.balance_of(current_user),
        entries=balance.entries(current_user),
        presets=balance.TOP_UP_PRESETS,
        least=balance.TOP_UP_MIN_CENTS,
        most=balance.TOP_UP_MAX_CENTS,
        error=error,
        form=form or {},
    )


@bp.route("/balance")
@login_required
def balance_page():
    """The balance, its ledger (newest first) and the top-up form (with `amount`, in cents, chosen
    when a link asks for it: a top-up before an auto-renewal)."""
    return _page(form=_asked(request.args.get("amount", "")))


def _asked(cents):
    """The top-up form filled with an amount from a link: a preset, or another amount; {} if odd."""
    if not cents.isdigit() or not balance.TOP_UP_MIN_CENTS <= int(cents) <= balance.TOP_UP_MAX_CENTS:
        return {}
    if int(cents) in balance.TOP_UP_PRESETS:
        return {"amount": cents}
    return {"other": f"{int(cents) // 100}.{int(cents) % 100:02d}"}


@bp.route("/balance/top-up", methods=["POST"])
@login_required
def top_up():
    """A top-up of a preset or another amount, priced here, then paid like any order (card or KHQR)."""
    method = chosen_method(request.form)
    try:
        if method == "balance":
            raise balance.BalanceError("not_payable")
        cents = balance.top_up_cents(request.form.get("amount", ""), request.form.get("other", ""))
        order = balance.place_top_up(current_user, cents)
    except balance.BalanceError:
        message = _(
            "Choose an amount, or type one from %(least)s to %(most)s.",
            least=_money(balance.TOP_UP_MIN_CENTS),
            most=_money(balance.TOP_UP_MAX_CENTS),
        )
        return _page(error=message, form=request.form)
    return send_to_checkout(order, method=method)


def _money(cents):
    return money(cents, balance.CURRENCY)
