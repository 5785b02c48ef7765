"""Logging in starts a new CSRF token: one a page showed before login opens nothing after it."""

from support.helpers import Auth
from support.helpers import csrf_token
from support.helpers import post_form


def test_the_token_from_before_login_no_longer_works_after_it(client, seeded):
    before = csrf_token(client, "/login")
    logged_in = client.post(
        "/login", data={"email": "demo@example.com", "password": "demo-pass-1234", "csrf_token": before}
    )
    assert logged_in.status_code == 302

    stale = client.post("/profile", data={"name": "Planted", "language": "en", "csrf_token": before})
    assert stale.status_code == 400
    assert "Your form expired" in stale.get_data(as_text=True)
    assert 'value="Planted"' not in client.get("/profile").get_data(as_text=True)

    after = csrf_token(client, "/profile")
    assert after != before
    saved = client.post("/profile", data={"name": "Sokha", "language": "en", "csrf_token": after})
    assert saved.status_code == 302
    assert 'value="Sokha"' in client.get("/profile").get_data(as_text=True)


def test_a_registration_also_starts_a_new_token(client, seeded):
    before = csrf_token(client, "/register")
    fields = {"email": "new@example.com", "password": "long-enough-pw", "confirm": "long-enough-pw"}
    assert (
        client.post("/register", data={**fields, "language": "en", "csrf_token": before}).status_code == 302
    )
    assert client.post("/profile", data={"language": "km", "csrf_token": before}).status_code == 400
    assert post_form(client, "/profile", {"language": "km"}).status_code == 302
    Auth(client).logout()
