"""Throttling that strangers cannot turn against a customer, and that a shared Wi-Fi survives."""

import base64
import time

import pytest
from support.helpers import Auth
from support.helpers import browser
from support.helpers import close_pool
from support.helpers import in_app
from support.helpers import post_form

from app import create_app
from app.models import Order
from app.models import User

OWNER_PHONE = "198.51.100.20"
STRANGER = "203.0.113.66"
AIRPORT_WIFI = "192.0.2.10"


def test_the_owner_logs_in_after_25_wrong_guesses_from_elsewhere(app, seeded):
    stranger = Auth(browser(app, STRANGER))
    answers = [stranger.login(password=f"guess-{n:04d}-xyz").status_code for n in range(25)]
    assert 429 in answers  # the stranger was slowed down

    owner = browser(app, OWNER_PHONE)
    assert Auth(owner).login().status_code == 302
    assert owner.get("/dashboard").status_code == 200


def test_successful_logins_are_never_counted(app, seeded):
    phone = browser(app, AIRPORT_WIFI)
    for _ in range(12):
        assert Auth(phone).login().status_code == 302
        Auth(phone).logout()


def test_repeated_failures_wait_longer_each_time_and_keep_the_email(app, seeded, rate_limit_clock):
    app.config["LOGIN_FAILURE_LIMIT"] = "2 per 1 second;4 per 10 minutes"
    guesser = Auth(browser(app, STRANGER))
    assert [guesser.login(password="wrong-guess-1").status_code for _ in range(2)] == [200, 200]

    first = guesser.login(password="wrong-guess-1")
    assert first.status_code == 429
    assert int(first.headers["Retry-After"]) <= 1
    page = first.get_data(as_text=True)
    assert "Please wait 1 second" in page
    assert 'value="demo@example.com"' in page  # what was typed is still there

    rate_limit_clock.move(1.1)
    assert [guesser.login(password="wrong-guess-2").status_code for _ in range(2)] == [200, 200]
    second = guesser.login(password="wrong-guess-2")
    assert second.status_code == 429
    assert 590 <= int(second.headers["Retry-After"]) <= 600
    assert "Please wait 10 minutes" in second.get_data(as_text=True)


def test_thirty_travellers_behind_one_address_all_buy(app, seeded):
    for n in range(30):
        traveller = browser(app, AIRPORT_WIFI)
        # A first try with a typo, as people make, then the real one.
        typo = post_form(traveller, "/buy", {"plan": "month-10gb", "email": "oops"})
        assert typo.status_code == 200
        bought = post_form(
            traveller,
            "/buy",
            {
                "plan": "month-10gb",
                "email": f"traveller{n}@example.com",
                "password": "long-enough-pw",
                "confirm": "long-enough-pw",
                "language": "en",
            },
        )
        assert bought.status_code == 303, f"traveller {n} was refused"
    assert in_app(app, Order.select().count) == 30


def test_the_same_email_registered_again_and_again_is_slowed_and_keeps_the_form(app, seeded):
    for n in range(10):
        visitor = browser(app, f"198.51.100.{n + 1}")
        taken = post_form(
            visitor,
            "/register",
            {
                "email": "demo@example.com",
                "password": "long-enough-pw",
                "confirm": "long-enough-pw",
                "language": "en",
            },
        )
        assert taken.status_code == 200
    late = browser(app, "198.51.100.99")
    refused = post_form(
        late,
        "/register",
        {
            "email": "demo@example.com",
            "password": "long-enough-pw",
            "confirm": "long-enough-pw",
            "language": "km",
        },
    )
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert 'value="demo@example.com"' in page
    assert "minutes" in page and "Retry-After" in refused.headers
    # Another address registers at once.
    other = post_form(
        late,
        "/register",
        {
            "email": "fresh@example.com",
            "password": "long-enough-pw",
            "confirm": "long-enough-pw",
            "language": "en",
        },
    )
    assert other.status_code == 302
    assert in_app(app, User.by_email, "fresh@example.com") is not None


@pytest.mark.parametrize("lang", ["km", "zh"])
def test_the_wait_is_said_in_the_readers_language(app, seeded, lang):
    app.config["LOGIN_FAILURE_LIMIT"] = "1 per 10 minutes"
    guesser = browser(app, STRANGER)
    guesser.get(f"/login?lang={lang}")
    Auth(guesser).login(password="wrong-guess-1")
    refused = Auth(guesser).login(password="wrong-guess-1")
    assert refused.status_code == 429
    assert "Please wait" not in refused.get_data(as_text=True)
    assert "10" in refused.get_data(as_text=True)


def test_rate_limits_can_be_turned_off_and_on_again(app, seeded):
    settings = {
        key: seeded.config[key] for key in ("TESTING", "DATABASE_URL", "OUTBOX_DIR", "PASSWORD_HASH_METHOD")
    }
    close_pool()
    unlimited = create_app({**settings, "RATELIMIT_ENABLED": False})
    guesser = Auth(browser(unlimited, STRANGER))
    assert {guesser.login(password=f"guess-{n}-xyz").status_code for n in range(8)} == {200}
    assert guesser.login().status_code == 302

    # The next app, with the setting left alone, limits again.
    close_pool()
    limited = create_app(settings)
    guesser = Auth(browser(limited, STRANGER))
    assert 429 in [guesser.login(password=f"guess-{n}-xyz").status_code for n in range(8)]


def _stranger_failures(app, count, address=AIRPORT_WIFI):
    """`count` failed logins from `address`, spread over made-up accounts and the owner's own."""
    stranger = browser(app, address)
    for n in range(count):
        email = "demo@example.com" if n % 4 == 0 else f"made-up-{n}@example.com"
        Auth(stranger).login(email=email, password=f"guess-{n:04d}-xyz")


def test_an_owner_who_logged_in_here_before_logs_in_where_strangers_failed_200_times(app, seeded):
    owner = browser(app, AIRPORT_WIFI)
    assert Auth(owner).login().status_code == 302
    Auth(owner).logout()

    _stranger_failures(app, 200)

    assert Auth(owner).login().status_code == 302
    assert owner.get("/dashboard").status_code == 200
    # A browser new to the account, on that address, is refused even with the right password.
    newcomer = browser(app, AIRPORT_WIFI)
    refused = Auth(newcomer).login()
    assert refused.status_code == 429
    assert newcomer.get("/dashboard").status_code == 302


def _device_cookie(client):
    cookie = client.get_cookie("device")
    assert cookie is not None, "no device cookie"
    return cookie


def test_the_device_cookie_is_long_lived_http_only_same_site_and_names_no_email(app, seeded):
    phone = browser(app, OWNER_PHONE)
    response = Auth(phone).login()
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("device="))
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" in header  # tests run as production
    assert _device_cookie(phone).expires.year > time.gmtime().tm_year
    assert b"demo" not in base64.urlsafe_b64decode(header.split("=", 1)[1].split(".")[0] + "==")


def test_a_device_cookie_of_another_account_or_a_forged_one_does_not_exempt(app, seeded):
    from support.helpers import make_customer

    make_customer(app, "other@example.com", "other-pass-1234")
    theirs = browser(app, OWNER_PHONE)
    assert Auth(theirs).login("other@example.com", "other-pass-1234").status_code == 302
    stolen = _device_cookie(theirs).value
    forged = stolen[:-4] + ("AAAA" if not stolen.endswith("AAAA") else "BBBB")

    _stranger_failures(app, 100)
    for cookie in (stolen, forged):
        thief = browser(app, AIRPORT_WIFI)
        thief.set_cookie("device", cookie)
        assert Auth(thief).login().status_code == 429


def test_a_known_device_is_locked_out_by_its_own_failures_only(app, seeded):
    app.config["LOGIN_FAILURE_LIMIT"] = "3 per 10 minutes"
    app.config["LOGIN_ADDRESS_FAILURE_LIMIT"] = "5 per 10 minutes"
    owner = browser(app, AIRPORT_WIFI)
    assert Auth(owner).login().status_code == 302
    Auth(owner).logout()
    # Strangers guessing the owner's account from the same address do not lock the owner's phone out.
    stranger = browser(app, AIRPORT_WIFI)
    assert [Auth(stranger).login(password="wrong-guess-1").status_code for _ in range(4)][-1] == 429
    assert Auth(owner).login().status_code == 302
    Auth(owner).logout()

    # The phone's own failures lock out that phone, and nobody else on the address.
    assert [Auth(owner).login(password="wrong-guess-2").status_code for _ in range(3)] == [200] * 3
    assert Auth(owner).login().status_code == 429
    # Three of the stranger's and three of the phone's: the address's cap of 5 would refuse the agent.
    agent = browser(app, AIRPORT_WIFI)
    assert Auth(agent).login("agent@example.com", "agent-pass-1234").status_code == 302
