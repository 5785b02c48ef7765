"""Forgotten password: an emailed, signed link that expires in an hour and works once."""

import re

from itsdangerous.timed import TimestampSigner
from limits import parse
from support.helpers import Auth
from support.helpers import body
from support.helpers import browser
from support.helpers import csrf_token
from support.helpers import post_form
from support.helpers import translated

from app.auth.views import RESET_EMAIL_LIMIT
from app.services.accounts import RESET_MAX_AGE


def _ask_for_link(client, address):
    token = csrf_token(client, "/forgot-password")
    return client.post(
        "/forgot-password", data={"email": address, "csrf_token": token}, follow_redirects=True
    )


def _link_path(message):
    url = re.search(r"https?://\S+/reset-password/\S+", body(message)).group(0)
    return url.split("localhost", 1)[1]


def _choose_password(client, path, password):
    opened = client.get(path)  # the emailed link: its token is swapped for the session
    assert opened.status_code == 303 and "/reset-password/" not in opened.location
    token = csrf_token(client, "/reset-password")
    return client.post(
        "/reset-password", data={"password": password, "confirm": password, "csrf_token": token}
    )


def test_the_whole_reset_flow_through_the_outbox(client, auth, seeded, outbox):
    _ask_for_link(client, "demo@example.com")
    message = outbox.last()
    assert message["To"] == "demo@example.com"
    assert message["Subject"] == "Reset your eSIM Cambodia password"
    path = _link_path(message)

    response = _choose_password(client, path, "brand-new-pass-99")
    assert response.status_code == 302
    assert auth.login(password="demo-pass-1234").status_code == 200  # old password refused
    assert auth.login(password="brand-new-pass-99").status_code == 302


def test_a_used_reset_link_is_refused(client, seeded, outbox):
    _ask_for_link(client, "demo@example.com")
    path = _link_path(outbox.last())
    assert _choose_password(client, path, "brand-new-pass-99").status_code == 302

    again = client.get(path, follow_redirects=True)
    assert "expired or was already used" in again.get_data(as_text=True)
    refused = post_form(
        client,
        "/reset-password",
        {"password": "attacker-pass-123", "confirm": "attacker-pass-123"},
        page="/forgot-password",
    )
    assert refused.status_code == 302
    assert refused.location.endswith("/forgot-password")


def test_an_expired_reset_link_is_refused(client, auth, seeded, outbox, monkeypatch):
    _ask_for_link(client, "demo@example.com")
    path = _link_path(outbox.last())
    issued = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: issued(self) + RESET_MAX_AGE + 5)
    response = client.get(path, follow_redirects=True)
    assert "expired or was already used" in response.get_data(as_text=True)
    monkeypatch.undo()
    assert auth.login().status_code == 302  # the password did not change


def test_a_forged_reset_link_is_refused(client, seeded):
    response = client.get("/reset-password/eyJ1aWQiOjF9.forged.signature", follow_redirects=True)
    assert response.request.path == "/forgot-password"
    assert "expired or was already used" in response.get_data(as_text=True)


def test_the_answer_is_the_same_whether_or_not_the_address_exists(client, seeded, outbox):
    known = _ask_for_link(client, "demo@example.com").get_data(as_text=True)
    unknown = _ask_for_link(client, "nobody@example.com").get_data(as_text=True)
    strip = re.compile(r'value="[^"]*"|"X-CSRFToken": "[^"]*"')
    assert strip.sub("", known) == strip.sub("", unknown)
    assert [m["To"] for m in outbox.messages()] == ["demo@example.com"]


def test_the_reset_email_is_in_the_customers_language(client, seeded, outbox, auth):
    auth.login()
    post_form(client, "/profile", {"language": "zh"})
    auth.logout()
    _ask_for_link(client, "demo@example.com")
    message = outbox.last()
    assert message["Subject"] == translated(seeded, "zh", "Reset your eSIM Cambodia password")
    assert translated(
        seeded,
        "zh",
        "The link works once and expires in one hour. If you did not ask for it, "
        "ignore this email: your password stays the same.",
    ) in body(message)


def test_a_reset_logs_out_every_other_device_and_tells_the_owner(app, client, seeded, outbox):
    phone = browser(app)
    Auth(phone).login()
    assert phone.get("/dashboard").status_code == 200

    _ask_for_link(client, "demo@example.com")
    assert _choose_password(client, _link_path(outbox.last()), "brand-new-pass-99").status_code == 302

    assert phone.get("/dashboard").status_code == 302  # the phone was logged out
    notice = outbox.last()
    assert notice["To"] == "demo@example.com"
    assert notice["Subject"] == "Your eSIM Cambodia password was changed"
    assert "/forgot-password" in body(notice)


def test_the_reset_link_leaves_no_token_in_the_address(client, seeded, outbox):
    _ask_for_link(client, "demo@example.com")
    page = client.get(_link_path(outbox.last()), follow_redirects=True)
    assert page.request.path == "/reset-password"
    assert "Choose a new password" in page.get_data(as_text=True)


OWNER_PHONE = "198.51.100.20"
STRANGER = "203.0.113.66"
AIRPORT_WIFI = "192.0.2.10"
SENT = "we have emailed it a link"


def _ask_from(app, address, email="demo@example.com", client=None):
    asker = client or browser(app, address)
    token = csrf_token(asker, "/forgot-password")
    return asker.post("/forgot-password", data={"email": email, "csrf_token": token})


def test_strangers_asking_elsewhere_neither_block_the_owner_nor_flood_the_mailbox(
    app, seeded, outbox, rate_limit_clock
):
    stranger = browser(app, STRANGER)
    answers = [_ask_from(app, STRANGER, client=stranger).status_code for _ in range(4)]
    assert answers == [302, 302, 302, 429]
    assert len(outbox.messages()) == 1  # one email for three answers that all said "emailed"

    owner = browser(app, OWNER_PHONE)
    asked = _ask_from(app, OWNER_PHONE, client=owner)
    assert asked.status_code == 302
    assert SENT in owner.get(asked.location).get_data(as_text=True)
    assert len(outbox.messages()) == 1  # the link sent a moment ago still works

    rate_limit_clock.move(parse(RESET_EMAIL_LIMIT).get_expiry() + 1)  # past "one link per 3 minutes"
    assert _ask_from(app, OWNER_PHONE, client=owner).status_code == 302
    assert [m["To"] for m in outbox.messages()] == ["demo@example.com"] * 2


def test_a_known_device_asks_for_a_reset_where_strangers_used_up_the_address(app, seeded, outbox):
    owner = browser(app, AIRPORT_WIFI)
    assert Auth(owner).login().status_code == 302
    Auth(owner).logout()

    strangers = browser(app, AIRPORT_WIFI)
    for n in range(30):
        _ask_from(app, AIRPORT_WIFI, email=f"made-up-{n}@example.com", client=strangers)
    for _ in range(3):
        _ask_from(app, AIRPORT_WIFI, client=strangers)
    assert _ask_from(app, AIRPORT_WIFI, client=strangers).status_code == 429

    assert _ask_from(app, AIRPORT_WIFI, client=owner).status_code == 302
    assert _ask_from(app, AIRPORT_WIFI, client=browser(app, AIRPORT_WIFI)).status_code == 429


def test_reset_password_without_a_link_says_the_link_expired(client, seeded):
    # A bookmark, a reload after the password was set, or a second tab: no token in the session.
    token = csrf_token(client, "/forgot-password")
    choose = {"password": "brand-new-pass-99", "confirm": "brand-new-pass-99", "csrf_token": token}
    for send in (lambda: client.get("/reset-password"), lambda: client.post("/reset-password", data=choose)):
        response = send()
        assert response.status_code == 302 and response.location.endswith("/forgot-password")
        assert "expired or was already used" in client.get(response.location).get_data(as_text=True)
