"""Registering, logging in and out, and editing the profile, through HTTP."""

import pytest
from support.helpers import csrf_token
from support.helpers import post_form
from support.helpers import translated

from app.models import User


def _register(client, lang="en", **fields):
    data = {
        "email": "new@example.com",
        "password": "long-enough-pw",
        "confirm": "long-enough-pw",
        "language": "km",
    }
    data.update(fields)
    data["csrf_token"] = csrf_token(client, f"/register?lang={lang}")
    return client.post("/register", data=data)


def test_registering_creates_an_account_and_logs_in(client, app):
    response = _register(client)
    assert response.status_code == 302
    assert response.location.endswith("/dashboard")
    with app.app_context():
        user = User.by_email("new@example.com")
        assert user.language == "km"
        assert user.password_hash.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")
        assert "long-enough-pw" not in user.password_hash
    assert client.get("/dashboard").status_code == 200


@pytest.mark.parametrize("lang", ["en", "km", "zh"])
def test_registration_errors_are_shown_translated(client, app, lang):
    response = _register(client, lang=lang, email="not-an-email", password="short", confirm="other")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert translated(app, lang, "Please enter a valid email address.") in html
    assert translated(app, lang, "Your password needs at least %(num)d characters.", num=12) in html
    assert translated(app, lang, "The two passwords are not the same.") in html
    with app.app_context():
        assert User.select().count() == 0


def test_registering_a_used_email_is_refused(client, seeded):
    response = _register(client, email="DEMO@example.com")
    assert response.status_code == 200
    assert "already exists" in response.get_data(as_text=True)
    with seeded.app_context():
        assert User.select().where(User.email == "demo@example.com").count() == 1


def test_login_with_the_right_password_opens_the_dashboard(client, auth, seeded):
    response = auth.login()
    assert response.status_code == 302
    assert response.location.endswith("/dashboard")
    assert client.get("/dashboard").status_code == 200


def test_login_with_a_wrong_password_is_refused(client, auth, seeded):
    response = auth.login(password="wrong-password")
    assert response.status_code == 200
    assert "do not match" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_logout_is_post_only_and_needs_the_csrf_token(client, auth, seeded):
    auth.login()
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/dashboard").status_code == 200
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
    ],
)
def test_an_off_site_next_is_refused(auth, seeded, target):
    response = auth.login(next_url=target)
    assert response.status_code == 302
    assert response.location == "/dashboard"


def test_a_next_within_the_site_is_followed(auth, seeded):
    response = auth.login(next_url="/profile")
    assert response.location == "/profile"


def test_the_dashboard_asks_anonymous_visitors_to_log_in(client):
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


def test_profile_changes_are_saved(client, auth, seeded):
    auth.login()
    response = post_form(client, "/profile", {"name": "Sokha", "phone": "+855 17 555 010", "language": "en"})
    assert response.status_code == 302
    html = client.get("/profile").get_data(as_text=True)
    assert 'value="Sokha"' in html
    assert 'value="+855 17 555 010"' in html


def test_a_bad_phone_number_is_refused_and_changes_nothing(client, auth, seeded):
    auth.login()
    response = post_form(
        client, "/profile", {"name": "X", "phone": "call me", "language": "zh"}, page="/profile?lang=zh"
    )
    assert response.status_code == 200
    assert translated(
        seeded,
        "zh",
        "This is not a phone number we can use. Please check it, for example 012 345 678 or +855 12 345 678.",
    ) in response.get_data(as_text=True)
    with seeded.app_context():
        assert User.by_email("demo@example.com").phone == "+85512345678"


def test_changing_the_profile_language_changes_rendering(client, auth, seeded):
    auth.login()
    post_form(client, "/profile", {"name": "", "phone": "", "language": "km"})
    html = client.get("/dashboard").get_data(as_text=True)
    assert '<html lang="km">' in html
    assert translated(seeded, "km", "My eSIMs") in html
    assert translated(seeded, "km", "Your profile has been saved.") in html
