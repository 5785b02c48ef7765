"""Choices a traveller makes on a phone stay made: the language, the plan across login, and why a
spent install link no longer opens the page."""

import html as html_lib
import re
from urllib.parse import unquote

import pytest
from itsdangerous.timed import TimestampSigner
from support.helpers import Auth
from support.helpers import body
from support.helpers import browser
from support.helpers import csrf_token
from support.helpers import in_app
from support.helpers import post_form
from support.helpers import translated

from app.models import Esim
from app.models import User
from app.services import notifications
from app.services.demo import DEMO_ICCID
from app.services.provisioning import INSTALL_LINK_MAX_AGE


def _lang(client, path="/dashboard"):
    return re.search(r'<html lang="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def _profile_language(app):
    return in_app(app, User.by_email, "demo@example.com").language


def _save_language(client, lang):
    return post_form(client, "/profile", {"name": "", "phone": "", "language": lang}, follow_redirects=True)


# 3. The most recent deliberate choice of language wins.


def test_a_profile_save_beats_an_earlier_tap_on_the_language_bar(client, auth, seeded):
    auth.login()
    client.get("/dashboard?lang=en")
    saved = _save_language(client, "km")
    assert translated(seeded, "km", "Your profile has been saved.") in saved.get_data(as_text=True)
    assert _lang(client) == "km" and _lang(client, "/profile") == "km"
    assert _profile_language(seeded) == "km"  # emails too
    # This browser remembers it beyond the session (the cookie), as a tap would.
    client.delete_cookie("session", domain="localhost")
    assert _lang(client, "/") == "km"


def test_a_tap_after_a_profile_save_wins_in_this_browser_only(client, auth, seeded):
    auth.login()
    _save_language(client, "zh")
    client.get("/dashboard?lang=km")
    assert _lang(client) == "km"
    assert _profile_language(seeded) == "zh"


@pytest.mark.parametrize("lang,html_lang", [("km", "km"), ("zh", "zh-Hans")])
def test_a_language_picked_before_login_survives_the_login(client, auth, seeded, lang, html_lang):
    client.get(f"/login?lang={lang}")
    auth.login()  # the demo customer's profile says English
    assert _lang(client) == html_lang


def test_a_language_this_browser_kept_from_an_earlier_visit_survives_the_login(client, auth, seeded):
    client.get("/?lang=zh")
    client.delete_cookie("session", domain="localhost")  # the browser was closed; the cookie stays
    assert _lang(client, "/login") == "zh-Hans"
    auth.login()
    assert _lang(client) == "zh-Hans"


def test_without_a_choice_the_profile_language_applies_at_login(client, auth, seeded):
    in_app(seeded, User.update(language="km").where(User.email == "demo@example.com").execute)
    auth.login()
    assert _lang(client) == "km"


def test_logging_out_everywhere_keeps_the_profile_language(client, auth, seeded):
    client.get("/?lang=en")  # an older tap
    auth.login()
    _save_language(client, "km")
    out = post_form(client, "/profile/logout-everywhere", {}, page="/profile", follow_redirects=True)
    page = out.get_data(as_text=True)
    assert '<html lang="km">' in page
    assert translated(seeded, "km", "You are logged out on every device.") in page
    assert _lang(client, "/") == "km"


def test_logging_out_keeps_the_language_a_new_device_showed_from_the_profile(seeded):
    in_app(seeded, User.update(language="zh").where(User.email == "demo@example.com").execute)
    phone = browser(seeded)
    phone.get("/login?lang=en")
    phone.delete_cookie("lang", domain="localhost")
    phone.delete_cookie("session", domain="localhost")
    Auth(phone).login()
    assert _lang(phone) == "zh-Hans"
    Auth(phone).logout()
    assert _lang(phone, "/") == "zh-Hans"


# 7. "Log in" from /buy keeps the chosen plan.


def _taken_email_on_buy(client, lang="en", promo=""):
    token = csrf_token(client, f"/buy?lang={lang}")
    fields = {
        "plan": "month-30gb",
        "promo": promo,
        "email": "demo@example.com",
        "password": "long-enough-pw",
        "confirm": "long-enough-pw",
        "language": lang,
        "csrf_token": token,
    }
    return client.post("/buy", data=fields)


def _login_links(page):
    return [html_lib.unescape(href) for href in re.findall(r'href="(/login\?next=[^"]+)"', page)]


@pytest.mark.parametrize("lang", ["en", "km", "zh"])
def test_a_taken_email_on_buy_offers_a_login_that_comes_back_to_the_plan(client, seeded, lang):
    refused = _taken_email_on_buy(client, lang, promo="WELCOME10")
    page = refused.get_data(as_text=True)
    assert translated(seeded, lang, "Log in and keep this plan") in page
    links = _login_links(page)
    assert links and all(
        unquote(link) == "/login?next=/buy?plan=month-30gb&promo=WELCOME10" for link in links
    )

    login = Auth(client).login(next_url=links[0].split("next=", 1)[1])
    assert login.status_code == 302 and unquote(login.location) == "/buy?plan=month-30gb&promo=WELCOME10"
    buy = client.get(login.location).get_data(as_text=True)
    assert 'value="month-30gb" checked' in buy
    assert 'value="WELCOME10"' in buy
    assert 'name="password"' not in buy  # logged in: no account fields


def test_the_buy_pages_own_login_link_keeps_the_plan_shown(client, seeded):
    page = client.get("/buy?plan=day-1gb").get_data(as_text=True)
    assert [unquote(link) for link in _login_links(page)] == ["/login?next=/buy?plan=day-1gb"]


# 4. A spent install link says why.


def _demo_esim(app):
    return in_app(app, lambda: Esim.get(Esim.iccid == DEMO_ICCID))


def _email_link(app, outbox):
    in_app(app, notifications.send_install_link, _demo_esim(app))
    link = re.search(r"https?://\S+/install\?token=\S+", body(outbox.last())).group(0)
    return "/" + link.split("/", 3)[3]


def _lands(app, path, lang="en"):
    page = browser(app).get(path.replace("lang=en", f"lang={lang}"), follow_redirects=True)
    return page.request.path, page.get_data(as_text=True)


INSTALLED = "This eSIM is already installed, so its install link no longer opens. Log in to see it."
SUPERSEDED = "A newer install link was sent to you: use the one in the latest email, or log in."
EXPIRED = "This install link expired after 24 hours. Log in to see your eSIM, or ask us for a new link."
SPENT = "This install link no longer works. Log in to see your eSIM, or ask us for a new link."


@pytest.fixture
def not_installed(seeded):
    in_app(seeded, Esim.update(installed_at=None).where(Esim.iccid == DEMO_ICCID).execute)
    return seeded


@pytest.mark.parametrize("lang", ["en", "km", "zh"])
def test_an_installed_esims_link_says_so_on_the_login_page(not_installed, outbox, lang):
    path = _email_link(not_installed, outbox)
    assert "lang=en" in path
    esim = _demo_esim(not_installed)
    in_app(not_installed, Esim.update(installed_at=esim.created_at).where(Esim.id == esim.id).execute)
    where, page = _lands(not_installed, path, lang)
    assert where == "/login"
    assert translated(not_installed, lang, INSTALLED) in page
    assert "LPA:1$" not in page


def test_an_older_link_says_a_newer_one_was_sent(not_installed, outbox):
    first = _email_link(not_installed, outbox)
    _email_link(not_installed, outbox)
    where, page = _lands(not_installed, first)
    assert where == "/login" and SUPERSEDED in page


def test_a_day_old_link_says_it_expired(not_installed, outbox, monkeypatch):
    path = _email_link(not_installed, outbox)
    issued = TimestampSigner.get_timestamp
    monkeypatch.setattr(
        TimestampSigner, "get_timestamp", lambda self: issued(self) + INSTALL_LINK_MAX_AGE + 5
    )
    where, page = _lands(not_installed, path, "zh")
    assert where == "/login" and translated(not_installed, "zh", EXPIRED) in page


def test_a_forged_link_tells_a_stranger_only_that_it_does_not_work(not_installed, outbox):
    esim = _demo_esim(not_installed)
    in_app(not_installed, Esim.update(installed_at=esim.created_at).where(Esim.id == esim.id).execute)
    where, page = _lands(not_installed, f"/esims/{esim.id}/install?token=forged&lang=en")
    assert where == "/login" and SPENT in page
    assert INSTALLED not in page


def test_the_reason_is_said_once_and_a_bare_install_address_says_nothing(not_installed, outbox):
    esim = _demo_esim(not_installed)
    phone = browser(not_installed)
    first = _email_link(not_installed, outbox)
    _email_link(not_installed, outbox)
    assert SUPERSEDED in phone.get(first, follow_redirects=True).get_data(as_text=True)
    again = phone.get(f"/esims/{esim.id}/install", follow_redirects=True).get_data(as_text=True)
    assert SUPERSEDED not in again and SPENT not in again


def test_a_working_link_still_opens_the_page(not_installed, outbox):
    where, page = _lands(not_installed, _email_link(not_installed, outbox))
    assert where.endswith("/install") and "LPA:1$" in page


# 8. The 429 page says only what is true of the form it shows again.

EMAIL_KEPT = (
    "Too many tries. Please wait %(wait)s, then try again. Your email is still here; "
    "type your password again."
)


@pytest.mark.parametrize("lang", ["en", "km", "zh"])
def test_too_many_logins_says_the_email_is_kept_and_the_password_is_not(app, seeded, lang):
    app.config["LOGIN_FAILURE_LIMIT"] = "1 per 10 minutes"
    guesser = browser(app, "203.0.113.66")
    guesser.get(f"/login?lang={lang}")
    Auth(guesser).login(password="wrong-guess-1")
    refused = Auth(guesser).login(password="wrong-guess-2")
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    for piece in translated(app, lang, EMAIL_KEPT, wait="|").split("|"):
        assert piece.strip() in page  # the message around the wait, whatever the wait is
    assert (
        translated(
            app,
            lang,
            "Too many tries. Please wait %(wait)s, then try again. What you typed is still here.",
            wait="|",
        )
        .split("|")[-1]
        .strip()
        not in page
    )
    assert 'value="demo@example.com"' in page


def test_the_language_chosen_when_registering_beats_an_earlier_tap(client, seeded):
    token = csrf_token(client, "/register?lang=km")
    fields = {"email": "new@example.com", "password": "long-enough-pw", "confirm": "long-enough-pw"}
    client.post("/register", data={**fields, "language": "zh", "csrf_token": token})
    assert _lang(client) == "zh-Hans"


def test_too_many_password_changes_asks_for_the_passwords_again(client, auth, seeded):
    auth.login()
    wrong = {"current": "not-my-password", "password": "brand-new-pass-99", "confirm": "brand-new-pass-99"}
    answers = [post_form(client, "/profile/password", wrong, page="/profile") for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    page = answers[-1].get_data(as_text=True)
    assert "then type your passwords again." in page
    assert "What you typed is still here" not in page and "Your email is still here" not in page
