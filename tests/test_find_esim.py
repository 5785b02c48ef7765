"""/find: an eSIM found by email and ICCID digits, the same answer either way, a link that works once."""

import re

from itsdangerous.timed import TimestampSigner
from support.helpers import CSRF_RE
from support.helpers import Auth
from support.helpers import body
from support.helpers import browser
from support.helpers import csrf_token
from support.helpers import in_app
from support.helpers import make_customer
from support.helpers import make_esim
from support.helpers import translated

from app.models import Esim
from app.models import Order
from app.models import User
from app.models import utcnow
from app.services.demo import DEMO_ICCID
from app.services.find import LINK_MAX_AGE

SENT = "If that email and those digits match one of our eSIMs, we have emailed a link to it."


def _ask(app, email, tail, address="198.51.100.7", client=None):
    client = client or browser(app, address)
    token = csrf_token(client, "/find")
    return client.post("/find", data={"email": email, "iccid_tail": tail, "csrf_token": token})


def _link_path(message):
    url = re.search(r"https?://\S+/find/\S+", body(message)).group(0)
    return url.split("localhost", 1)[1]


def _open(client, path):
    """Follow the emailed link and press "Show my eSIM" (a closed link never shows the button)."""
    arrived = client.get(path)
    assert arrived.status_code == 303 and arrived.location.startswith("/find/open")
    page = client.get(arrived.location)
    if page.status_code != 200:
        return page
    match = CSRF_RE.search(page.get_data(as_text=True))
    token = match.group(1) or match.group(2)
    return client.post("/find/open", data={"csrf_token": token})


def _paid_order(app, esim, number):
    def create():
        return Order.create(
            number=number,
            user=esim.user_id,
            esim=esim.id,
            plan=esim.plan_id,
            status="fulfilled",
            price_cents=1000,
            amount_cents=1000,
            paid_at=utcnow(),
        )

    return in_app(app, create)


def test_a_right_and_a_wrong_iccid_get_the_same_answer_and_only_the_right_one_an_email(app, seeded, outbox):
    answers = [
        _ask(seeded, "demo@example.com", DEMO_ICCID[-6:], "198.51.100.1"),
        _ask(seeded, "demo@example.com", "999999", "198.51.100.2"),
        _ask(seeded, "nobody@example.com", DEMO_ICCID[-4:], "198.51.100.3"),
    ]
    assert {(a.status_code, a.location) for a in answers} == {(303, "/find")}
    for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        client = browser(seeded, address)
        client.get("/find")  # a fresh browser has no flash: ask and read in the same one
    pages = []
    for tail, address in ((DEMO_ICCID[-6:], "198.51.100.4"), ("999999", "198.51.100.5")):
        client = browser(seeded, address)
        answer = _ask(seeded, "demo@example.com", tail, client=client)
        pages.append(client.get(answer.location).get_data(as_text=True))
    assert all(SENT in page for page in pages)
    assert CSRF_RE.sub("", pages[0]) == CSRF_RE.sub("", pages[1])
    assert [m["To"] for m in outbox.messages()] == ["demo@example.com"]


def test_the_link_opens_the_esims_pages_once_without_a_password(app, seeded, outbox):
    esim = in_app(seeded, lambda: Esim.get(Esim.iccid == DEMO_ICCID))
    order = _paid_order(seeded, esim, "ORD-FOUND-1")
    other = make_esim(seeded, make_customer(seeded), "8985500000000000991")
    elsewhere = _paid_order(seeded, other, "ORD-ELSEWHERE")
    _ask(seeded, "demo@example.com", DEMO_ICCID[-5:])
    message = outbox.last()
    assert "•••• 0017" in message["Subject"]
    path = _link_path(message)

    phone = browser(seeded, "203.0.113.9")
    opened = _open(phone, path)
    assert opened.status_code == 303 and opened.location == "/find/esim"
    page = phone.get("/find/esim").get_data(as_text=True)
    assert "•••• 0017" in page and "ORD-FOUND-1" in page
    assert phone.get(f"/find/receipts/{order.id}").status_code == 200
    assert phone.get(f"/find/receipts/{elsewhere.id}").status_code == 404
    assert phone.get(f"/esims/{esim.id}").status_code == 302  # the full page still needs a login
    assert phone.get(f"/esims/{other.id}/install").status_code == 302

    again = browser(seeded, "203.0.113.10")
    refused = _open(again, path)
    assert refused.status_code == 303 and refused.location == "/find"
    assert "This link was already used" in again.get("/find").get_data(as_text=True)
    assert again.get("/find/esim").status_code == 404


def test_the_link_opens_the_install_page_while_the_esim_is_not_installed(app, seeded, outbox):
    in_app(seeded, Esim.update(installed_at=None).where(Esim.iccid == DEMO_ICCID).execute)
    esim = in_app(seeded, lambda: Esim.get(Esim.iccid == DEMO_ICCID))
    _ask(seeded, "demo@example.com", DEMO_ICCID[-4:])
    phone = browser(seeded)
    _open(phone, _link_path(outbox.last()))
    assert f'href="/esims/{esim.id}/install"' in phone.get("/find/esim").get_data(as_text=True)
    assert "LPA:1$" in phone.get(f"/esims/{esim.id}/install").get_data(as_text=True)
    in_app(seeded, Esim.update(installed_at=utcnow()).where(Esim.id == esim.id).execute)
    assert phone.get(f"/esims/{esim.id}/install").status_code == 302


def test_a_link_older_than_thirty_minutes_is_refused(app, seeded, outbox, monkeypatch):
    _ask(seeded, "demo@example.com", DEMO_ICCID[-4:])
    path = _link_path(outbox.last())
    issued = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: issued(self) + LINK_MAX_AGE + 5)
    phone = browser(seeded)
    assert _open(phone, path).location == "/find"
    assert "expired after 30 minutes" in phone.get("/find").get_data(as_text=True)


def test_the_email_and_the_refusal_are_in_the_customers_language(app, seeded, outbox):
    in_app(seeded, User.update(language="km").where(User.email == "demo@example.com").execute)
    _ask(seeded, "demo@example.com", DEMO_ICCID[-4:])
    message = outbox.last()
    assert "?lang=km" in _link_path(message) and "30" in body(message)
    assert translated(seeded, "km", "Hello,") in body(message)
    path = _link_path(message)
    _open(browser(seeded), path)
    late = browser(seeded)
    _open(late, path)  # the link opens in the language the email is written in
    used = "This link was already used: each link opens once. Ask for a new one below."
    assert translated(seeded, "km", used) in late.get("/find").get_data(as_text=True)


def test_bad_digits_get_a_translated_error_and_no_email(app, seeded, outbox):
    client = browser(seeded)
    answer = _ask(seeded, "demo@example.com", "12ab", client=client)
    assert answer.status_code == 200 and "Enter the last 4 to 6 digits" in answer.get_data(as_text=True)
    assert outbox.messages() == []


def test_asking_is_throttled_per_email_and_address_but_never_for_a_known_browser(app, seeded, outbox):
    stranger = browser(seeded, "192.0.2.50")
    answers = [_ask(seeded, "demo@example.com", "1111", client=stranger).status_code for _ in range(6)]
    assert answers == [303] * 5 + [429]

    crowd = browser(seeded, "192.0.2.60")
    for n in range(30):
        _ask(seeded, f"made-up-{n}@example.com", "1234", client=crowd)
    assert _ask(seeded, "someone@example.com", "1234", client=crowd).status_code == 429
    owner = browser(seeded, "192.0.2.60")
    Auth(owner).login()
    Auth(owner).logout()
    assert _ask(seeded, "demo@example.com", DEMO_ICCID[-4:], client=owner).status_code == 303
    assert [m["To"] for m in outbox.messages()] == ["demo@example.com"]
