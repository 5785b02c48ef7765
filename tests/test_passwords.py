"""New passwords: 12 characters or more, and none made of the account's own email or name."""

import pytest
from support.helpers import Auth
from support.helpers import in_app
from support.helpers import post_form
from support.helpers import translated

from app.models import User

PERSONAL = "Your password must not contain your email address or your name. Please choose another."


def _register(client, password, email="sokha.chan@example.com", lang="en"):
    fields = {"email": email, "password": password, "confirm": password, "language": "en"}
    return post_form(client, "/register", fields, page=f"/register?lang={lang}")


def test_eleven_characters_are_refused_and_twelve_accepted(client, app):
    refused = _register(client, "mekong-riv3")
    assert refused.status_code == 200
    assert "Your password needs at least 12 characters." in refused.get_data(as_text=True)
    assert in_app(app, User.select().count) == 0
    assert _register(client, "mekong-riv3r").status_code == 302


@pytest.mark.parametrize("password", ["SOKHA.CHAN@example.com!", "xx-Sokha.Chan-2024", "my-sokha.chan-pw"])
def test_a_password_holding_the_email_is_refused(client, app, password):
    refused = _register(client, password)
    assert refused.status_code == 200
    assert PERSONAL in refused.get_data(as_text=True)
    assert in_app(app, User.select().count) == 0


@pytest.mark.parametrize("lang", ["km", "zh"])
def test_the_refusal_is_translated(client, app, lang):
    refused = _register(client, "sokha.chan-rides-far", lang=lang)
    assert translated(app, lang, PERSONAL) in refused.get_data(as_text=True)


def test_a_new_password_holding_the_account_name_is_refused_in_the_profile(client, auth, seeded):
    auth.login()
    post_form(client, "/profile", {"name": "Dara Kim", "phone": "", "language": "en"})
    choose = {"current": "demo-pass-1234", "password": "lotus-dara-kim-9", "confirm": "lotus-dara-kim-9"}
    refused = post_form(client, "/profile/password", choose, page="/profile")
    assert refused.status_code == 200
    assert PERSONAL in refused.get_data(as_text=True)
    Auth(client).logout()
    assert auth.login().status_code == 302  # the password did not change

    choose = {"current": "demo-pass-1234", "password": "lotus-river-9x", "confirm": "lotus-river-9x"}
    assert post_form(client, "/profile/password", choose, page="/profile").status_code == 303
