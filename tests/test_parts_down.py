"""A part of the system down: the pages stay up, and say something a person can act on."""

import logging

import pytest
from support.helpers import Auth
from support.helpers import close_pool
from support.helpers import post_form
from support.helpers import translated

from app import create_app
from app.extensions import limiter
from app.services.demo import DEMO_CUSTOMER
from app.web.locale import HTML_LANG

CLOSED_PORT = "127.0.0.1:1"  # nothing listens there: connections are refused at once


@pytest.fixture
def redis_down(seeded):
    """The app of the test with its rate-limit store (Redis) down."""
    settings = {
        key: seeded.config[key]
        for key in ("TESTING", "DATABASE_URL", "OUTBOX_DIR", "PUBLIC_URL", "PASSWORD_HASH_METHOD")
    }
    close_pool()
    app = create_app({**settings, "RATELIMIT_STORAGE_URI": f"redis://{CLOSED_PORT}"})
    yield app
    # The limiter object is shared by every app in the process: the next test's app starts with a live store.
    limiter._storage_dead = False
    close_pool()


def _browser(app):
    client = app.test_client()
    client.environ_base["HTTP_REFERER"] = "https://localhost/"
    return client


SIGN_UP = {"password": "long-enough-pw", "confirm": "long-enough-pw", "language": "en"}


def test_with_redis_down_logins_sign_ups_purchases_and_resets_still_answer(redis_down, caplog):
    caplog.set_level(logging.WARNING)
    client = _browser(redis_down)

    wrong = post_form(client, "/login", {"email": DEMO_CUSTOMER[0], "password": "not-the-password"})
    assert wrong.status_code == 200 and "do not match an account" in wrong.get_data(as_text=True)
    assert any("storage" in record.getMessage().lower() for record in caplog.records)

    assert post_form(client, "/forgot-password", {"email": DEMO_CUSTOMER[0]}).status_code == 302
    assert post_form(client, "/register", {"email": "new@example.com", **SIGN_UP}).status_code == 302
    other = _browser(redis_down)
    bought = post_form(other, "/buy", {"plan": "month-10gb", "email": "buyer@example.com", **SIGN_UP})
    assert bought.status_code == 303
    assert other.get("/dashboard").status_code == 200  # the buyer is signed in to the new account

    owner = Auth(_browser(redis_down))
    assert owner.login().status_code == 302


def test_with_redis_down_a_guesser_is_still_slowed_down_by_each_process(redis_down):
    guesser = _browser(redis_down)
    answers = [
        post_form(guesser, "/login", {"email": DEMO_CUSTOMER[0], "password": f"guess-{n}-xyz"}).status_code
        for n in range(5)
    ]
    assert answers[:3] == [200, 200, 200] and answers[3:] == [429, 429]


BACK_SHORTLY = "The portal will be back shortly."


@pytest.fixture(params=["postgres", "sqlite"])
def database_down(request, tmp_path):
    """An app whose database cannot be reached: PostgreSQL on a closed port, or an SQLite path that is
    a folder. Exceptions are not propagated to the test, as in production, so nothing is hidden."""
    if request.param == "postgres":
        url = f"postgresql://postgres@{CLOSED_PORT}/esim"
    else:
        (tmp_path / "not-a-database").mkdir()
        url = f"sqlite:///{tmp_path / 'not-a-database'}"
    app = create_app(
        {"TESTING": True, "PROPAGATE_EXCEPTIONS": False, "DATABASE_URL": url, "OUTBOX_DIR": str(tmp_path)}
    )
    yield app
    close_pool()


READERS = {"en": "en-GB,en;q=0.8", "km": "km-KH,km;q=0.9,en;q=0.5", "zh": "zh-CN,zh;q=0.9"}


@pytest.mark.parametrize("lang", ["en", "km", "zh"])
def test_with_the_database_down_every_page_says_back_shortly_in_the_readers_language(database_down, lang):
    client = _browser(database_down)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = READERS[lang]
    with client.session_transaction() as session:
        session["_user_id"] = "a-customer-s-session-token"  # a customer who logged in before it went down
    expected = translated(database_down, lang, BACK_SHORTLY)

    answers = [
        client.get("/"),
        client.get("/dashboard"),
        client.get("/no-such-page"),
        client.post("/login", data={"email": DEMO_CUSTOMER[0], "password": DEMO_CUSTOMER[1]}),
    ]
    for answer in answers:
        assert answer.status_code == 503
        assert int(answer.headers["Retry-After"]) > 0
        page = answer.get_data(as_text=True)
        assert expected in page
        assert f'lang="{HTML_LANG[lang]}"' in page
