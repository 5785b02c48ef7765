"""What auto-renew tells the customer, by email in their own language: a renewal by date the day
before, a renewal refused by the monthly limit, and a failed payment with the link to pay it."""

from flask_babel import gettext as _

from app.services import cards
from app.services import mail
from app.services.links import public_url


def _send(esim, kind, subject, **context):
    user = esim.user
    return mail.send_template(
        user,
        "autorenew",
        subject,
        kind=kind,
        esim=esim,
        esim_link=public_url("esims.detail", esim_id=esim.id, lang=user.language),
        **context,
    )


def renewing_tomorrow(setting, esim):
    return _send(
        esim,
        "tomorrow",
        lambda: _("Your eSIM renews tomorrow"),
        plan=setting.plan,
        amount=setting.plan.price_cents,
        currency=setting.plan.currency,
        card=lambda: cards.card_label(setting.card),  # read in the customer's language, as the email is
    )


def over_cap(setting, esim, amount):
    return _send(
        esim,
        "over_cap",
        lambda: _("Your eSIM was not renewed automatically"),
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
        order=order,
        amount=order.amount_cents,
        currency=order.currency,
        needs_customer=code in ("authentication_required", "requires_action"),
        pay_link=link,
        pay_until=esim.expires_at,
    )
