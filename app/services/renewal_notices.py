"""What auto-renew tells the customer, in their own language, by the channels they chose (email,
Telegram or both; services/notices.py): a renewal by date the day before, a balance to top up before
a renewal, a renewal refused by the monthly limit, and a failed payment with the link to pay it (and
to top up, when the balance was short)."""

from datetime import timedelta

from flask_babel import gettext as _

from app.services import balance
from app.services import cards
from app.services import mail
from app.services import notices
from app.services.links import public_url


def _send(esim, kind, subject, notice, **context):
    user = esim.user
    context = dict(
        kind=kind,
        esim=esim,
        esim_link=public_url("esims.detail", esim_id=esim.id, lang=user.language),
        **context,
    )
    letter = mail.compose(user, "autorenew", subject, **context)
    notices.send(user, notice, letter=letter, **context)


def renewing_tomorrow(setting, esim):
    return _send(
        esim,
        "tomorrow",
        lambda: _("Your eSIM renews tomorrow"),
        "renewing_tomorrow",
        plan=setting.plan,
        amount=setting.plan.price_cents,
        currency=setting.plan.currency,
        funding=setting.funding,
        card=lambda: cards.card_label(setting.card),  # read in the customer's language, as the email is
    )


def top_up_link(user, cents):
    """The balance page with `cents` chosen as the top-up, to pay by KHQR (or card)."""
    return public_url("orders.balance_page", amount=cents, lang=user.language) + "#top-up"


def top_up_needed(setting, esim, amount, missing):
    return _send(
        esim,
        "top_up",
        lambda: _("Top up your balance for your eSIM's renewal"),
        "renewal_top_up",
        plan=setting.plan,
        amount=amount,
        missing=missing,
        currency=setting.plan.currency,
        top_up_link=top_up_link(esim.user, missing),
        renew_by=esim.expires_at - timedelta(hours=setting.hours_before_expiry),
    )


def over_cap(setting, esim, amount):
    return _send(
        esim,
        "over_cap",
        lambda: _("Your eSIM was not renewed automatically"),
        "renewal_over_cap",
        plan=setting.plan,
        amount=amount,
        currency=setting.plan.currency,
        cap=setting.monthly_cap_cents,
        renew_link=public_url("plans.renew", esim_id=esim.id, lang=esim.user.language),
    )


def payment_failed(setting, esim, order, token, code, stopped):
    link = public_url("checkout.renewal_pay", token=token, lang=esim.user.language)
    subject = (
        (lambda: _("Automatic renewal is turned off"))
        if stopped
        else (lambda: _("We could not renew your eSIM"))
    )
    return _send(
        esim,
        "stopped" if stopped else "failed",
        subject,
        "renewal_balance_short" if code == "balance_short" else "renewal_declined",
        order=order,
        amount=order.amount_cents,
        currency=order.currency,
        needs_customer=code in ("authentication_required", "requires_action"),
        balance_short=code == "balance_short",
        top_up_link=top_up_link(
            esim.user, balance.missing_cents(esim.user_id, order.amount_cents) or order.amount_cents
        )
        if code == "balance_short"
        else "",
        pay_link=link,
        pay_until=esim.expires_at,
    )
