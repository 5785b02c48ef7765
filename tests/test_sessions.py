"""Logins end on the server: logout, a password change and "log out everywhere" end them for good."""

from support.helpers import Auth
from support.helpers import body
from support.helpers import browser
from support.helpers import csrf_token
from support.helpers import post_form


def _replay(app, cookie_value):
    """A second browser that carries a copy of another one's session cookie."""
    thief = browser(app)
    thief.set_cookie("session", cookie_value, domain="localhost")
    return thief


def test_a_cookie_copied_before_logout_opens_nothing_afterwards(app, client, auth, seeded):
    auth.login()
    copied = client.get_cookie("session", domain="localhost").value
    assert _replay(app, copied).get("/dashboard").status_code == 200

    auth.logout()

    replay = _replay(app, copied).get("/dashboard")
    assert replay.status_code == 302
    assert "/login" in replay.location


def test_changing_the_password_logs_out_the_other_devices_only(app, client, auth, seeded, outbox):
    phone = browser(app)
    Auth(phone).login()
    auth.login()
    changed = post_form(
        client,
        "/profile/password",
        {"current": "demo-pass-1234", "password": "brand-new-pass-99", "confirm": "brand-new-pass-99"},
        page="/profile",
        follow_redirects=True,
    )
    assert "Every other device has been logged out" in changed.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 200  # this device stays in
    assert phone.get("/dashboard").status_code == 302  # the other is out
    notice = outbox.last()
    assert notice["Subject"] == "Your eSIM Cambodia password was changed"
    assert "logged out" in body(notice)


def test_a_wrong_current_password_changes_nothing(app, client, auth, seeded, outbox):
    phone = browser(app)
    Auth(phone).login()
    auth.login()
    refused = post_form(
        client,
        "/profile/password",
        {"current": "not-my-password", "password": "brand-new-pass-99", "confirm": "brand-new-pass-99"},
        page="/profile",
    )
    assert refused.status_code == 200
    assert "That is not your current password." in refused.get_data(as_text=True)
    assert phone.get("/dashboard").status_code == 200
    assert outbox.messages() == []
    auth.logout()
    assert auth.login().status_code == 302  # the old password still works


def test_log_out_everywhere_ends_every_login(app, client, auth, seeded):
    phone = browser(app)
    Auth(phone).login()
    auth.login()
    page = client.get("/profile").get_data(as_text=True)
    assert "You are also logged in on 1 other device." in page
    done = post_form(client, "/profile/logout-everywhere", {}, page="/profile", follow_redirects=True)
    assert "You are logged out on every device." in done.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302
    assert phone.get("/dashboard").status_code == 302


def test_a_common_password_is_refused_with_a_reason(client, seeded):
    token = csrf_token(client, "/register")
    for weak in ("aaaaaaaaaaaa", "password1234", "qwertyuiopas"):
        response = client.post(
            "/register",
            data={
                "email": "new@example.com",
                "password": weak,
                "confirm": weak,
                "language": "en",
                "csrf_token": token,
            },
        )
        assert response.status_code == 200
        assert "too easy to guess" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302  # no account, not logged in


def test_a_common_password_is_refused_in_khmer_too(client, seeded):
    from support.helpers import translated

    response = post_form(
        client,
        "/register",
        {"email": "new@example.com", "password": "aaaaaaaaaaaa", "confirm": "aaaaaaaaaaaa", "language": "km"},
        page="/register?lang=km",
    )
    expected = translated(
        client.application,
        "km",
        "This password is too easy to guess: it is one of the most common passwords or a simple pattern. "
        "Please choose another, for example three words you will remember.",
    )
    assert expected in response.get_data(as_text=True)
