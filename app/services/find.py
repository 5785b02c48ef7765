"""Finding an eSIM without a password: a one-time, 30-minute emailed link to its pages.

Whoever knows an account's email and the last digits of one of its eSIMs' ICCID can have a
link sent to that account's mailbox: the same answer is given whether or not they match,
so the form reveals nothing, and only the mailbox's owner can open what it sends.
"""

import secrets

from flask_babel import gettext as _

from app.models import Esim
from app.models import FindLink
from app.models import Order
from app.models import User
from app.models import utcnow
from app.services import mail
from app.services import signed
from app.services.links import public_url

LINK_MAX_AGE = 30 * 60
PURPOSE = "find-esim"


def matching_esim(email, iccid_tail):
    """The account's eSIM whose ICCID ends with `iccid_tail` (4 to 6 digits), when exactly one does."""
    user = User.by_email(email or "")
    tail = (iccid_tail or "").strip()
    if user is None or not (4 <= len(tail) <= 6 and tail.isdigit()):
        return None
    found = list(
        Esim.select().where(Esim.user == user.id, Esim.iccid_reversed.startswith(tail[::-1])).limit(2)
    )
    return found[0] if len(found) == 1 else None


def send_link(esim):
    """Email the eSIM's owner a one-time link to its pages, in the owner's language."""
    nonce = secrets.token_hex(16)
    FindLink.create(esim=esim.id, nonce=nonce)
    token = signed.sign(PURPOSE, {"n": nonce})
    link = public_url("find.arrive", token=token, lang=esim.user.language)
    return mail.send_template(
        esim.user,
        "find_link",
        lambda: _("Your link to your eSIM %(iccid)s", iccid=esim.masked_iccid),
        esim=esim,
        link=link,
        minutes=LINK_MAX_AGE // 60,
    )


def _link(token):
    """(the FindLink, None) for a link that still opens, else (None, "used", "expired" or "invalid")."""
    data = signed.unsign(PURPOSE, token) if isinstance(token, str) and token else None
    if not isinstance(data, dict) or not isinstance(data.get("n"), str):
        return None, "invalid"
    link = FindLink.get_or_none(FindLink.nonce == data["n"])
    if link is None:
        return None, "invalid"
    if link.used_at is not None:
        return None, "used"
    if signed.unsign(PURPOSE, token, max_age=LINK_MAX_AGE) is None:
        return None, "expired"
    return link, None


def why_closed(token):
    """None while the link opens; else why not: "used", "expired" or "invalid"."""
    return _link(token)[1]


def use(token):
    """Spend the link: its eSIM for the one caller that spends it, else None (and nothing changes)."""
    link, _reason = _link(token)
    if link is None:
        return None
    spent = (
        FindLink.update(used_at=utcnow()).where(FindLink.id == link.id, FindLink.used_at.is_null()).execute()
    )
    return Esim.get_by_id(link.esim_id) if spent else None


def paid_orders(esim):
    """The eSIM's paid orders, newest first: the receipts its link holder may read."""
    return list(
        Order.select().where(Order.esim == esim.id, Order.paid_at.is_null(False)).order_by(Order.id.desc())
    )


def receipt_order(esim_id, order_id):
    """The paid order with this id if it is this eSIM's, else None."""
    return (
        Order.select()
        .where(Order.id == order_id, Order.esim == esim_id, Order.paid_at.is_null(False))
        .first()
    )
