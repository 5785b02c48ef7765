"""The bot's answers to what a person types, in the linked customer's own language.

/start <token> links the chat; /status (or "what's left?") gives what each eSIM has left, read
with the dashboard's caching; /renew a button to each eSIM's renewal page; /help; /stop unlinks.
A chat that is not linked only hears how to link. Every answer leaves through the outbox, and
names only the customer the chat is linked to.
"""

import re

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from app.labels import LANGUAGES
from app.services import esims as esim_lookup
from app.services import notices
from app.services import telegram_links
from app.services import telegram_outbox
from app.services import usage
from app.services.links import public_url

# "What's left?" typed in any of our languages, with or without the question mark.
WHATS_LEFT = re.compile(
    r"^\s*(what['’]?s left|what is left|នៅសល់ប៉ុន្មាន|នៅសល់អ្វីខ្លះ|还剩多少|还剩什么)\s*[?？]?\s*$", re.I
)


def _command(text):
    """("/start", "argument") of a typed command (a "@bot" suffix dropped); ("", text) otherwise."""
    match = re.match(r"^/(\w+)(?:@\w+)?(?:\s+(.*))?$", text.strip(), re.S)
    if not match:
        return "", text
    return "/" + match.group(1).lower(), (match.group(2) or "").strip()


def _reply(chat_id, user, lang, template, buttons=(), **context):
    with force_locale(lang):
        text = render_template(f"telegram/{template}.txt", user=user, **context).strip()
        buttons = [(label(), url) if callable(label) else (label, url) for label, url in buttons]
    return telegram_outbox.record(chat_id, f"bot_{template}", text, buttons, user=user)


def handle(message):
    """Answer one typed message (an Incoming)."""
    command, argument = _command(message.text)
    chat_id = message.chat_id
    if command == "/start" and argument:
        return _start(chat_id, argument)
    user = telegram_links.user_of_chat(chat_id)
    if user is None:
        return _reply(chat_id, None, _app_language(message), "how_to_link")
    lang = notices.language(user)
    if command == "/stop":
        telegram_links.unlink_chat(chat_id)
        return _reply(chat_id, None, lang, "stopped")
    if command == "/status" or WHATS_LEFT.match(message.text):
        return _status(chat_id, user, lang)
    if command == "/renew":
        return _renew(chat_id, user, lang)
    if command == "/start":
        return _reply(chat_id, user, lang, "linked")
    return _reply(chat_id, user, lang, "help")


def _app_language(message):
    """A chat with no account speaks its Telegram app's language, when it is one of ours."""
    language = (message.language_code or "").split("-")[0].lower()
    return language if language in LANGUAGES else "en"


def _start(chat_id, token):
    outcome, user = telegram_links.link(chat_id, token)
    if outcome == telegram_links.LINKED:
        return _reply(chat_id, user, notices.language(user), "linked")
    # The refusal is in the language of the account that asked for the token, if there was one.
    owner = telegram_links.owner_of_token(token)
    lang = notices.language(owner) if owner else "en"
    return _reply(chat_id, None, lang, "link_refused")


def _status(chat_id, user, lang):
    esims = esim_lookup.of(user)
    fresh = usage.refresh(esims)
    return _reply(chat_id, user, lang, "status", cards=usage.by_urgency(esims), fresh=fresh)


def _renew(chat_id, user, lang):
    cards = usage.by_urgency(esim_lookup.of(user))
    buttons = [
        (
            _renew_label(esim, lang),
            public_url("plans.renew", esim_id=esim.id, lang=lang),
        )
        for esim, _status in cards
    ]
    return _reply(chat_id, user, lang, "renew", buttons=buttons, cards=cards)


def _renew_label(esim, lang):
    with force_locale(lang):
        return _("Renew %(name)s", name=esim.label or esim.masked_iccid)
