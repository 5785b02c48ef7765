"""Customers as support names them, and two records of one person merged into one (admins only)."""

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.services import accounts
from app.services import merge as merging
from app.services import support
from app.support import bp
from app.support.access import admin_required
from app.support.forms import MergeForm


@bp.app_template_global()
def has_mailbox(user):
    return support.has_mailbox(user)


@bp.app_template_filter("customer_label")
def customer_label(user):
    """The name (or email); a customer with no email by name and phone, never a placeholder address."""
    return support.customer_label(user)


@bp.app_template_filter("phone")
def readable_phone(phone):
    return support.readable_phone(phone)


def _pair_or_404(customer_id, other_id):
    kept = accounts.customer(customer_id)
    other = accounts.customer(other_id) if other_id else None
    if kept is None:
        abort(404)
    return kept, other


@bp.route("/customers/<int:customer_id>/merge")
@admin_required
def confirm_merge(customer_id):
    """The two records side by side, and what merging them does, before anything moves."""
    kept, other = _pair_or_404(customer_id, request.args.get("other", type=int))
    if other is None or other.id == kept.id:
        flash(_("Please choose another record of this customer to merge."), "error")
        return redirect(url_for("support.customer", customer_id=kept.id), code=303)
    counts = {person.id: merging.counts(person) for person in (kept, other)}
    return render_template(
        "support/merge.html", customer=kept, other=other, counts=counts, form=MergeForm(formdata=None)
    )


@bp.route("/customers/<int:customer_id>/merge", methods=["POST"])
@admin_required
def merge(customer_id):
    kept, _other = _pair_or_404(customer_id, None)
    form = MergeForm()
    if not form.validate_on_submit():
        flash(_("Please choose another record of this customer to merge."), "error")
        return redirect(url_for("support.customer", customer_id=kept.id), code=303)
    try:
        merging.merge(current_user, kept, form.other.data)
    except merging.MergeError:
        flash(_("That record cannot be merged: it is no longer a separate customer."), "error")
    else:
        flash(_("The two records are one now. The other record can no longer log in."), "success")
    return redirect(url_for("support.customer", customer_id=kept.id), code=303)
