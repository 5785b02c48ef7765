"""Telegram: link and unlink from the profile, the notice channels, the webhook, and test mode's chat."""

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from app.extensions import csrf
from app.services import telegram_links
from app.services import telegram_test_chat
from app.services import telegram_updates
from app.telegram import bp
from app.web import telegram_panel

PROFILE_SECTION = "telegram"


def _configured_or_404():
    if not telegram_links.configured():
        abort(404)


def _back_to_profile():
    return redirect(url_for("auth.profile", _anchor=PROFILE_SECTION), code=303)


@bp.route("/profile/telegram/link", methods=["POST"])
@login_required
def link():
    """A fresh one-time deep link, shown on the profile (with its QR code) for 10 minutes."""
    _configured_or_404()
    telegram_panel.offer_link(current_user)
    return _back_to_profile()


@bp.route("/profile/telegram/unlink", methods=["POST"])
@login_required
def unlink():
    _configured_or_404()
    if telegram_links.unlink(current_user):
        flash(_("Telegram is unlinked: your notices go by email."), "success")
    return _back_to_profile()


@bp.route("/profile/telegram/channels", methods=["POST"])
@login_required
def channels():
    _configured_or_404()
    if telegram_links.choose_channels(current_user, request.form.get("channels", "")):
        flash(_("Your choice of notices has been saved."), "success")
    else:
        flash(_("Choose email, Telegram, or both."), "error")
    return _back_to_profile()


@bp.route("/webhooks/telegram", methods=["POST"])
@csrf.exempt
def webhook():
    """Telegram's updates; refused, with nothing done, unless the secret header matches."""
    if not telegram_links.configured():
        abort(404)
    if not telegram_updates.secret_matches(request.headers.get("X-Telegram-Bot-Api-Secret-Token")):
        return {"error": "forbidden"}, 403
    update = request.get_json(silent=True)
    if isinstance(update, dict):
        telegram_updates.receive(update)
    return {"ok": True}, 200


def _test_chat_customer():
    """The customer whose test chat this is: oneself, or (staff) the one named by ?customer=."""
    if not telegram_test_chat.offered():
        abort(404)
    wanted = request.values.get("customer", type=int)
    if wanted is None or wanted == current_user.id:
        return current_user
    if not current_user.is_staff:
        abort(404)
    customer = telegram_test_chat.customer(wanted)
    if customer is None:
        abort(404)
    return customer


@bp.route("/telegram/test-chat", methods=["GET", "POST"])
@login_required
def test_chat():
    """Test mode: what the stand-in received for the customer's chat, and a box to type as them."""
    customer = _test_chat_customer()
    if request.method == "POST":
        text = (request.form.get("text") or "").strip()
        if not text:
            flash(_("Type a message first."), "error")
        else:
            try:
                telegram_test_chat.type_as(customer, text)
            except telegram_test_chat.StandinDown:
                flash(_("The test chat is not answering. Is the Telegram stand-in running?"), "error")
        return redirect(url_for("telegram.test_chat", customer=customer.id), code=303)
    try:
        messages = telegram_test_chat.received(customer)
    except telegram_test_chat.StandinDown:
        messages = None
    panel = telegram_panel.panel(customer) if customer.id == current_user.id else None
    return render_template("telegram/test_chat.html", customer=customer, messages=messages, panel=panel)
