"""The one outbox: SMTP when MAIL_SERVER is set, else .eml files under instance/outbox/."""

import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate
from email.utils import make_msgid
from pathlib import Path

from flask import current_app
from flask import render_template
from flask_babel import force_locale

from app.i18n import LANGUAGES


def send(to, subject, text, html=None):
    """Send one message and return it."""
    config = current_app.config
    msg = EmailMessage()
    msg["From"] = config["MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="esim.local")
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    if to.endswith(".invalid"):
        # A customer registered at a counter with a phone number only: no mailbox to write to.
        current_app.logger.info("mail to %s not sent (no real address): %s", to, subject)
        return msg
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(msg)
    else:
        outbox = Path(config["OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        (outbox / f"{uuid.uuid4().hex}.eml").write_bytes(bytes(msg))
    current_app.logger.info("mail to %s: %s", to, subject)
    return msg


def send_template(user, name, subject, **context):
    """Render email/<name>.txt in the user's own language and send it to them."""
    lang = user.language if user.language in LANGUAGES else "en"
    with force_locale(lang):
        text = render_template(f"email/{name}.txt", user=user, **context)
        return send(user.email, str(subject() if callable(subject) else subject), text)
