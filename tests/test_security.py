"""Headers, CSRF and cookies that protect every page."""

import re
import time

import pytest
from itsdangerous import TimestampSigner
from support.helpers import HTMX
from support.helpers import browser
from support.helpers import csrf_token
from support.helpers import post_form

from app.models import User


def test_pages_carry_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "max-age" in response.headers["Strict-Transport-Security"]


DOCUMENT_ONLY = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "Referrer-Policy",
    "Permissions-Policy",
    "X-Content-Type-Options",
    "Strict-Transport-Security",
)


def test_fragments_and_redirects_carry_no_document_headers_and_pages_do(client, auth, seeded):
    auth.login()
    esim_id = re.search(r'href="/esims/(\d+)"', client.get("/dashboard").get_data(as_text=True)).group(1)
    page = client.get(f"/esims/{esim_id}/usage")
    assert all(name in page.headers for name in DOCUMENT_ONLY)
    fragment = client.get(f"/esims/{esim_id}/usage", headers=HTMX)
    assert fragment.status_code == 200
    assert not [name for name in DOCUMENT_ONLY if name in fragment.headers]
    assert "HX-Request" in fragment.headers["Vary"]
    # An error page shown to a person is a document too.
    assert all(name in client.get("/esims/0").headers for name in DOCUMENT_ONLY)
    redirect = browser(seeded).get("/dashboard")
    assert redirect.status_code == 302
    assert not [name for name in DOCUMENT_ONLY if name in redirect.headers]


def test_pages_have_no_inline_script_or_handlers(client, seeded, auth):
    auth.login()
    for url in ("/", "/dashboard", "/profile", "/register"):
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"\son[a-z]+=", html), url


def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(client, app):
    response = client.post(
        "/register?lang=km",
        data={
            "email": "x@example.com",
            "password": "long-enough-pw",
            "confirm": "long-enough-pw",
            "language": "en",
        },
    )
    assert response.status_code == 400
    assert 'lang="km"' in response.get_data(as_text=True)
    with app.app_context():
        assert not User.select().exists()


def test_htmx_requests_send_the_token_as_a_header(client):
    html = client.get("/").get_data(as_text=True)
    assert re.search(r"data-hx-headers='\{\"X-CSRFToken\": \"[^\"]+\"\}'", html)


def test_the_csrf_token_is_signed_once_per_session_and_still_checked(client, auth, seeded, monkeypatch):
    auth.login()
    token = csrf_token(client, "/dashboard")
    assert csrf_token(client, "/profile") == token
    # Forms drawn by imported macros (the logout button, csrf_field) carry the same kept token,
    # not one signed again (which, a minute on, would carry another time).
    later = int(time.time()) + 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    page = client.get("/profile").get_data(as_text=True)
    assert set(re.findall(r'name="csrf_token" value="([^"]+)"', page)) == {token}
    assert "Set-Cookie" not in client.get("/dashboard").headers  # nothing new to keep
    # CSRFProtect accepts it; logging out ends the session and its token, so it opens nothing after.
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.post("/logout", data={"csrf_token": token}).status_code == 400
    assert csrf_token(client, "/login") != token


def test_session_cookie_is_httponly_lax_and_secure(client, auth, seeded):
    response = auth.login()
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" in cookie


def test_unknown_pages_get_a_translated_404(client, app):
    response = client.get("/no-such-page?lang=zh")
    assert response.status_code == 404
    from support.helpers import translated

    assert translated(app, "zh", "Page not found") in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/orders/9223372036854775808",
        "/esims/99999999999999999999/renew",
        "/support/orders/18446744073709551616",
    ],
)
def test_ids_beyond_the_databases_integers_are_not_found(client, auth, seeded, url):
    auth.login()
    assert client.get(url).status_code == 404


def test_an_oversized_post_is_refused_before_it_is_read(client, seeded):
    token = csrf_token(client, "/login")
    huge = "x" * (2 * 1024 * 1024)
    response = client.post(
        "/login", data={"email": "demo@example.com", "password": huge, "csrf_token": token}
    )
    assert response.status_code == 413
    assert "larger than any form here takes" in response.get_data(as_text=True)


def test_a_password_longer_than_any_we_keep_is_refused_without_checking_it(client, seeded):
    response = post_form(client, "/login", {"email": "demo@example.com", "password": "p" * 129})
    assert response.status_code == 200 and "/dashboard" not in (response.location or "")


@pytest.mark.parametrize(
    "url",
    ["/checkout/return?session_id=%00%27%3B", "/compatibility?q=a%00b", "/checkout/test/cs_%00", "/?a%00=1"],
)
def test_a_nul_character_anywhere_is_refused_plainly(client, seeded, url):
    """PostgreSQL cannot store a NUL; no form or address of ours has one, so it is a bad request."""
    response = client.get(url + ("&" if "?" in url else "?") + "lang=zh")
    assert response.status_code == 400
    from support.helpers import translated

    assert translated(seeded, "zh", "Something was wrong with that request") in response.get_data(
        as_text=True
    )
