"""Saved cards: saving one with consent (the provider's page in setup mode), and removing one.

The profile lists them (auth's view asks services/cards.py); these routes change them.
"""

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from app.cards import bp
from app.services import cards
from app.services import payments
from app.services.links import public_url
from app.text import current_language
from app.web.redirects import safe_next

CONSENT = "card_consent"


def _back():
    return redirect(session.pop("card_next", None) or url_for("auth.profile") + "#saved-cards", code=303)


@bp.route("/cards/add", methods=["POST"])
@login_required
def add():
    """The customer agreed to the card terms: on to the provider's page to save a card."""
    if request.form.get("consent") != "y":
        flash(_("Please tick the box to agree to the terms."), "error")
        return redirect(url_for("auth.profile") + "#saved-cards", code=303)
    session[CONSENT] = cards.consent_text()
    session["card_next"] = safe_next(request.form.get("next"), None)
    success = public_url("cards.returned") + "?session_id={CHECKOUT_SESSION_ID}"
    try:
        setup = cards.start_saving(current_user, success, public_url("auth.profile"), current_language())
    except cards.PaymentError as exc:
        current_app.logger.warning("card setup for user %s failed: %s", current_user.id, exc)
        flash(_("We could not open the card page. Please try again in a moment."), "error")
        return _back()
    return redirect(setup.url or url_for("cards.test_setup", session_id=setup.id), code=303)


@bp.route("/cards/return")
@login_required
def returned():
    """Back from saving a card: it is kept with the terms agreed to before leaving."""
    setup_id = (request.args.get("session_id") or "")[:255]
    consent = session.pop(CONSENT, None) or cards.consent_text()
    try:
        card = (
            cards.record_setup(setup_id, consent, owner=current_user)
            if setup_id.replace("_", "").isalnum()
            else None
        )
    except cards.PaymentError:
        card = None
    if card is None:
        flash(_("No card was saved."), "warning")
    else:
        flash(_("Your card is saved."), "success")
    return _back()


@bp.route("/cards/<int:card_id>/remove", methods=["POST"])
@login_required
def remove(card_id):
    """Remove a saved card: forgotten by the provider too, and nothing more is charged to it."""
    try:
        removed = cards.remove(current_user, card_id)
    except cards.PaymentError:
        flash(_("We could not remove the card just now. Please try again in a moment."), "error")
        return redirect(url_for("auth.profile") + "#saved-cards", code=303)
    if not removed:
        abort(404)
    flash(_("The card is removed. Automatic renewals that used it are turned off."), "info")
    return redirect(url_for("auth.profile") + "#saved-cards", code=303)


@bp.route("/cards/test/<session_id>", methods=["GET", "POST"])
@login_required
def test_setup(session_id):
    """Test mode's stand-in for Stripe's card page: save a test card, or go back."""
    found = cards.test_setup(session_id, current_user) if payments.test_mode() else None
    if found is None:
        abort(404)
    if request.method == "POST":
        if request.form.get("action") == "save":
            return redirect(
                cards.save_test_card(session_id, request.form.get("outcome", "succeeded")), code=303
            )
        return redirect(cards.leave_test_setup(session_id), code=303)
    return render_template("cards/test_setup.html", session_id=session_id, outcomes=cards.TEST_OUTCOMES)
