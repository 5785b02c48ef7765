"""Notices to customers by the channels each chose: email (the default, and the fallback), Telegram,
or both. The one place that decides where a notice goes.

A kind of notice is one entry in KINDS: its Telegram text (telegram/<template>.txt, rendered in
the customer's own language) and the button under it (a label and a page, built on PUBLIC_URL).
Its email, when it has one, is composed by the caller (mail.compose) and handed in as `letter`.
Adding a kind: an entry here, a template in templates/telegram/, and a call to `send` where it happens.
"""

from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from app.labels import LANGUAGES
from app.messengers import telegram_configured
from app.models import NoticeChoice
from app.models import TelegramChat
from app.services import mail
from app.services import telegram_outbox
from app.services.links import public_url


@dataclass(frozen=True)
class Kind:
    template: str
    button_label: object  # () -> str, in the customer's language
    button_url: object  # (user, **context) -> the page the button opens


def _renew_page(user, esim, **_context):
    return public_url("plans.renew", esim_id=esim.id, lang=user.language)


def _order_page(user, order, **_context):
    return public_url("orders.detail", order_id=order.id, lang=user.language)


def _esim_page(user, order, **_context):
    return public_url("esims.detail", esim_id=order.esim_id, lang=user.language)


def _link(name):
    """The button opens the link the notice already carries (built on PUBLIC_URL by its sender)."""
    return lambda user, **context: context[name]


KINDS = {
    "reminder": Kind("reminder", lambda: _("Renew"), _renew_page),
    "payment_received": Kind("payment_received", lambda: _("See the order"), _order_page),
    "plan_applied": Kind("plan_applied", lambda: _("See my eSIM"), _esim_page),
    "refund_sent": Kind("refund_sent", lambda: _("See the order"), _order_page),
    "renewed": Kind("renewed", lambda: _("See my eSIM"), _esim_page),
    "renewing_tomorrow": Kind("renewing_tomorrow", lambda: _("See my eSIM"), _link("esim_link")),
    "renewal_top_up": Kind("renewal_top_up", lambda: _("Top up"), _link("top_up_link")),
    "renewal_over_cap": Kind("renewal_over_cap", lambda: _("Renew"), _link("renew_link")),
    "renewal_declined": Kind("renewal_declined", lambda: _("Pay now"), _link("pay_link")),
    "renewal_balance_short": Kind("renewal_balance_short", lambda: _("Top up"), _link("top_up_link")),
}


def language(user):
    return user.language if user.language in LANGUAGES else "en"


def compose(user, notice, /, **context):
    """(text, [(label, url)]) of a Telegram notice, in the customer's profile language."""
    entry = KINDS[notice]
    with force_locale(language(user)):
        text = render_template(f"telegram/{entry.template}.txt", user=user, **context).strip()
        return text, [(entry.button_label(), entry.button_url(user, **context))]


def send(user, notice, /, letter=None, **context):
    """Send a notice (a key of KINDS) to `user` by the channels they chose; `letter` is its email, if any."""
    send_many([(user, notice, letter, context)])


def send_many(notices):
    """Each (user, kind, letter, context) by its customer's channels; the emails in one INSERT.

    Telegram goes to a linked chat when the customer chose it (alone or with email); email goes
    when they chose it, or when no chat is linked. A Telegram-only notice carries its email, sent
    if the chat turns out to be gone.
    """
    notices = list(notices)
    users = {user.id for user, *_rest in notices}
    chats, choices = {}, {}
    if users and telegram_configured():
        chats = {
            row.user_id: row.chat_id for row in TelegramChat.select().where(TelegramChat.user.in_(users))
        }
        choices = {
            row.user_id: row.channels for row in NoticeChoice.select().where(NoticeChoice.user.in_(users))
        }
    letters = []
    for user, notice, letter, context in notices:
        channels = choices.get(user.id, "email")
        chat = chats.get(user.id) if channels in ("telegram", "both") else None
        if chat is not None:
            text, buttons = compose(user, notice, **context)
            fallback = letter if channels == "telegram" else None
            telegram_outbox.record(chat, notice, text, buttons, user=user, fallback=fallback)
        if letter is not None and (chat is None or channels == "both"):
            letters.append(letter)
    if letters:
        mail.deliver_later(mail.record_many(letters))
