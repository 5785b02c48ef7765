"""Emails to customers, each in the customer's own language."""

from flask import current_app
from flask import has_request_context
from flask import url_for
from flask_babel import gettext as _

from app.services import mail
from app.services import provisioning


def external_url(endpoint, **values):
    """An absolute URL for emails, also from cron (outside any request): PUBLIC_URL is the base."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        return url_for(endpoint, _external=True, **values)


def send_activation(order):
    """The new eSIM is ready: a signed link to its install page."""
    return send_install_link(order.esim, order)


def send_install_link(esim, order=None):
    link = external_url(
        "shop.install", esim_id=esim.id, token=provisioning.install_token(esim), lang=esim.user.language
    )
    return mail.send_template(
        esim.user,
        "activation",
        lambda: _("Your eSIM is ready to install"),
        order=order,
        esim=esim,
        link=link,
    )


def send_receipt(order):
    return mail.send_template(
        order.user,
        "receipt",
        lambda: _("Your receipt for order %(number)s", number=order.number),
        order=order,
        link=external_url("orders.receipt", order_id=order.id),
    )


def send_payment_link(order, link):
    return mail.send_template(
        order.user,
        "payment_link",
        lambda: _("Pay for your eSIM order %(number)s", number=order.number),
        order=order,
        link=link,
    )
