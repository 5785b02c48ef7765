"""The agent console: find a customer, see everything, renew or sell for them, and act."""

from decimal import Decimal

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.services import accounts
from app.services import catalogue
from app.services import esims as esim_lookup
from app.services import merge
from app.services import order_money
from app.services import orders
from app.services import provisioning
from app.services import qr_images
from app.services import refund_requests
from app.services import refunds
from app.services import support
from app.services import usage
from app.services.links import public_url
from app.services.promotions import PromoError
from app.support import bp
from app.support.access import order_or_404
from app.support.access import staff_required
from app.support.errors import ERRORS
from app.support.forms import AssistedRenewalForm
from app.support.forms import CashForm
from app.support.forms import CounterSaleForm
from app.support.forms import NoteForm
from app.support.forms import RefundForm
from app.support.forms import first_error
from app.support.forms import plan_choices
from app.web.cursors import cursor
from app.web.partials import render_page_or_fragment

OLDER_FRAGMENTS = {"orders-older": "support/_customer_orders.html", "log-older": "support/_customer_log.html"}


def _customer_or_404(customer_id):
    customer = accounts.customer(customer_id)
    if customer is None:
        abort(404)
    return customer


def _back_to(customer):
    return redirect(url_for("support.customer", customer_id=customer.id), code=303)


def _fail(exc):
    flash(ERRORS[exc.reason](), "error")


@bp.route("")
@staff_required
def search():
    """Search as the agent types (htmx) or by a plain submit."""
    query = request.args.get("q", "").strip()[:80]
    return render_page_or_fragment(
        "support/search.html",
        "support/_results.html",
        target="results",
        query=query,
        results=support.search(query),
        min_length=support.SEARCH_MIN_LENGTH,
    )


@bp.route("/customers/<int:customer_id>")
@staff_required
def customer(customer_id):
    """The customer page: profile, eSIMs with live usage, orders, reminders, notes, audit."""
    person = _customer_or_404(customer_id)
    data = support.overview(person, cursor("orders_before"), cursor("log_before"))
    target = request.htmx.target if request.htmx else None
    if target in OLDER_FRAGMENTS:  # "Older orders" or "Older entries", in place
        return render_page_or_fragment(
            "support/customer.html", OLDER_FRAGMENTS[target], target=target, customer=person, **data
        )
    fresh = usage.refresh(data["esims"])
    return render_template(
        "support/customer.html",
        customer=person,
        fresh=fresh,
        groups=catalogue.grouped_plans(),
        cards=[(e, usage.status(e)) for e in data["esims"]],
        note_form=NoteForm(formdata=None),
        same_phone=merge.candidates(person) if current_user.role == "admin" else [],
        **data,
    )


@bp.route("/esims/<int:esim_id>/usage")
@staff_required
def esim_usage(esim_id):
    esim = esim_lookup.of_a_customer(esim_id)
    if esim is None:
        abort(404)
    fresh = usage.refresh([esim], force=True)
    return render_template(
        "esims/_usage.html",
        esim=esim,
        status=usage.status(esim),
        fresh=fresh,
        usage_url=url_for("support.esim_usage", esim_id=esim.id),
    )


@bp.route("/customers/<int:customer_id>/notes", methods=["POST"])
@staff_required
def add_note(customer_id):
    person = _customer_or_404(customer_id)
    form = NoteForm()
    if not form.validate_on_submit():
        flash(first_error(form), "error")
    else:
        support.add_note(current_user, person, form.note.data)
        flash(_("Note added."), "success")
    return _back_to(person)


@bp.route("/customers/<int:customer_id>/renewals", methods=["POST"])
@staff_required
def assisted_renewal(customer_id):
    """Make a renewal order for the customer and show its payment link and QR code."""
    person = _customer_or_404(customer_id)
    form = AssistedRenewalForm()
    form.plan.choices = plan_choices()
    if not form.validate_on_submit():
        flash(ERRORS["bad_choice"](), "error")
        return _back_to(person)
    try:
        order = support.assisted_renewal(current_user, person, form.esim.data, form.plan.data)
    except support.SupportError as exc:
        _fail(exc)
        return _back_to(person)
    except PromoError as exc:
        flash(str(exc.message), "error")
        return _back_to(person)
    return redirect(url_for("support.order", order_id=order.id), code=303)


@bp.route("/counter", methods=["GET", "POST"])
@staff_required
def counter():
    """Counter sale: register (or find) the customer and make a new-eSIM order, all or nothing."""
    form = CounterSaleForm()
    form.plan.choices = plan_choices()
    if form.validate_on_submit():
        try:
            order = support.counter_sale(
                current_user,
                form.email.data or "",
                form.phone.data or "",
                form.name.data or "",
                form.language.data,
                form.plan.data,
            )
        except support.SupportError as exc:
            _fail(exc)
        else:
            return redirect(url_for("support.order", order_id=order.id), code=303)
    groups = catalogue.grouped_plans()
    return render_template(
        "support/counter.html", groups=groups, days_start=catalogue.days_start(groups), form=form
    )


def _payment_link(order):
    lang = order.user.language
    return public_url("checkout.pay_link", token=support.payment_token(order), lang=lang)


def _order_page(item, revealed=False):
    # Only an order an agent placed has a link on the agent's screen: a customer's own online order
    # is paid from their own account, and its link would lead whoever holds it to their eSIM.
    offered = item.status == orders.OrderStatus.PENDING and support.placed_by_an_agent(item)
    link = _payment_link(item) if offered else None
    install_code = provisioning.activation_code(item.esim) if revealed else None
    money = order_money.money_of(item)
    return render_page_or_fragment(
        "support/order.html",
        "support/_order_status.html",
        target=f"support-order-{item.id}",
        order=item,
        link=link,
        link_qr=qr_images.svg(link) if link else None,
        install_code=install_code,
        install_qr=qr_images.svg(install_code) if install_code else None,
        events=orders.timeline(item),
        money=money,
        transfers=refunds.transfer_details(money.refunds),
        refund_steps=order_money.refund_steps(money.refunds, current_user),
        money_step=order_money.order_step(item, money, current_user),
        refund_form=RefundForm(formdata=None) if item.paid_at else None,
        cash_form=CashForm(formdata=None, amount=Decimal(item.amount_cents) / 100),
        refund_request=refund_requests.of_order(item),
    )


@bp.route("/orders/<int:order_id>")
@staff_required
def order(order_id):
    """An order as the agent sees it: status, payment link as a QR code, cash, install QR on request."""
    return _order_page(order_or_404(order_id))


@bp.route("/orders/<int:order_id>/activation-code", methods=["POST"])
@staff_required
def reveal_activation_code(order_id):
    """Show a new eSIM's activation code to the agent, for the customer at the counter; audited,
    since whoever holds the code can install the eSIM."""
    item = order_or_404(order_id)
    if not support.reveal_activation_code(current_user, item):
        flash(_("This eSIM is already installed, or is not ready yet."), "error")
        return redirect(url_for("support.order", order_id=item.id), code=303)
    response = current_app.make_response(_order_page(item, revealed=True))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/orders/<int:order_id>/email-link", methods=["POST"])
@staff_required
def email_link(order_id):
    item = order_or_404(order_id)
    try:
        support.email_payment_link(current_user, item, _payment_link(item))
    except support.SupportError as exc:
        _fail(exc)
    else:
        flash(_("The payment link was emailed to the customer in their language."), "success")
    return redirect(url_for("support.order", order_id=item.id), code=303)


@bp.route("/orders/<int:order_id>/cash", methods=["POST"])
@staff_required
def cash(order_id):
    item = order_or_404(order_id)
    form = CashForm()
    if not form.validate_on_submit():
        flash(first_error(form), "error")
        return redirect(url_for("support.order", order_id=item.id), code=303)
    try:
        support.record_cash(current_user, item, form.amount.cents)
    except support.SupportError as exc:
        _fail(exc)
    else:
        flash(_("Cash payment recorded."), "success")
    return redirect(url_for("support.order", order_id=item.id), code=303)


@bp.route("/orders/<int:order_id>/receipt")
@staff_required
def receipt(order_id):
    """The customer's receipt, to print at the counter (in the agent's language)."""
    item = order_or_404(order_id)
    if item.paid_at is None:
        abort(404)
    return render_template("orders/receipt.html", order=item, money=order_money.money_of(item))


@bp.route("/orders/<int:order_id>/receipt", methods=["POST"])
@staff_required
def resend_receipt(order_id):
    item = order_or_404(order_id)
    try:
        support.resend_receipt(current_user, item)
    except support.SupportError as exc:
        _fail(exc)
    else:
        flash(_("The receipt was emailed again."), "success")
    return _back_to(item.user)


@bp.route("/esims/<int:esim_id>/install-email", methods=["POST"])
@staff_required
def resend_install(esim_id):
    esim = esim_lookup.of_a_customer(esim_id)
    if esim is None:
        abort(404)
    support.resend_install(current_user, esim)
    flash(_("The install email was sent again."), "success")
    return _back_to(esim.user)
