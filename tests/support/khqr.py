"""Paying by KHQR in tests: choosing it, reading the page's code, and the worker's checks."""

import re

from app.models import KhqrCode
from app.models import Order
from app.models import utcnow
from app.services import khqr
from support.helpers import decode_qr
from support.helpers import in_app
from support.helpers import post_form
from support.khqr_reading import read_khqr
from support.payments import esim_of

KHQR_PAGE = re.compile(r"/checkout/khqr/([0-9a-f]{32})$")


def renew_by_khqr(client, app, plan="month-10gb", promo=""):
    """Choose a plan and press "Pay with a bank app (KHQR)"; returns (order, md5, the page's HTML)."""
    esim = esim_of(app)
    response = post_form(
        client, f"/esims/{esim.id}/renew", {"plan": plan, "promo": promo, "pay_with": "khqr"}
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    match = KHQR_PAGE.search(response.location)
    assert match, response.location
    page = client.get(response.location)
    assert page.status_code == 200
    order = in_app(app, lambda: Order.select().order_by(Order.id.desc()).get())
    return order, match.group(1), page.get_data(as_text=True)


def code_fields(html):
    """The KHQR drawn on a page, decoded as a phone's camera reads it, and parsed."""
    return read_khqr(decode_qr(html))


def code(app, md5):
    return in_app(app, lambda: KhqrCode.get(KhqrCode.md5 == md5))


def code_ages(app, md5, by):
    """Time passes for a code: it was made (and expires) `by` earlier."""

    def move():
        row = KhqrCode.get(KhqrCode.md5 == md5)
        KhqrCode.update(created_at=row.created_at - by, expires_at=row.expires_at - by).where(
            KhqrCode.id == row.id
        ).execute()

    in_app(app, move)


def worker_checks(app, md5):
    """The worker's next check of this code, made due now; returns what the check found (None: none)."""

    def run():
        KhqrCode.update(next_check_at=utcnow()).where(
            KhqrCode.md5 == md5, KhqrCode.next_check_at.is_null(False)
        ).execute()
        return khqr.check(md5)

    return in_app(app, run)
