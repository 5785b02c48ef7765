"""Emails to customers, each in the customer's own language."""

from flask_babel import gettext as _

from app.services import mail
from app.services import notices
from app.services import provisioning
from app.services.links import public_url


def send_activation(order):
    """The new eSIM is ready: a signed link to its install page."""
    return send_install_link(order.esim, order)


def send_install_link(esim, order=None):
    link = public_url(
        "shop.install", esim_id=esim.id, token=provisioning.new_install_link(esim), lang=esim.user.language
    )
    return mail.send_template(
        esim.user,
        "activation",
        lambda: _("Your eSIM is ready to install"),
        order=order,
        esim=esim,
        link=link,
    )


def send_password_changed(user):
    """Tell the owner their password changed, with the way back in if it was not them."""
    return mail.send_template(
        user,
        "password_changed",
        lambda: _("Your eSIM Cambodia password was changed"),
        link=public_url("auth.forgot_password", lang=user.language),
    )


def send_receipt(order):
    return mail.send_template(
        order.user,
        "receipt",
        lambda: _("Your receipt for order %(number)s", number=order.number),
        order=order,
        link=public_url("orders.receipt", order_id=order.id, lang=order.user.language),
    )


def send_renewal_confirmed(order):
    """The operator applied a paid renewal: its new expiry and the receipt, once per order, by the
    customer's channels (the receipt is the email; Telegram says it is renewed)."""
    letter = mail.compose(
        order.user,
        "renewal_confirmed",
        lambda: _("Your eSIM is renewed: receipt for order %(number)s", number=order.number),
        order=order,
        link=public_url("orders.receipt", order_id=order.id, lang=order.user.language),
    )
    notices.send(order.user, "renewed", letter=letter, order=order)


def send_payment_link(order, link):
    return mail.send_template(
        order.user,
        "payment_link",
        lambda: _("Pay for your eSIM order %(number)s", number=order.number),
        order=order,
        link=link,
    )
