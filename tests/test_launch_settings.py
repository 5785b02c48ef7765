"""Production's settings: what it refuses to start with, plain HTTP, private pages, the language links."""

import os
import re
import subprocess
import sys

import pytest
from support.helpers import PRODUCTION_SETTINGS
from support.helpers import Auth
from support.helpers import in_app
from support.helpers import post_form
from support.helpers import translated

from app.config import PROJECT_ROOT
from app.config import ConfigError
from app.models import User
from app.services import accounts

PUBLIC = "https://esim.example.com"


def test_production_hashes_passwords_with_scrypt_as_werkzeug_does(production):
    site = production(STRIPE_SECRET_KEY="sk_test_local", PUBLIC_URL=PUBLIC)
    assert site.config["PASSWORD_HASH_METHOD"] == "scrypt"
    user = in_app(site, accounts.register, "sokha@example.com", "lotus-temple-4821")
    assert user.password_hash.startswith("scrypt:32768:8:1$")
    assert in_app(site, accounts.authenticate, "sokha@example.com", "lotus-temple-4821") == user
    assert in_app(site, accounts.authenticate, "nobody@example.com", "lotus-temple-4821") is None


def test_production_refuses_to_start_without_public_url(production):
    with pytest.raises(ConfigError, match="PUBLIC_URL is not set"):
        production(STRIPE_SECRET_KEY="sk_test_local")
    with pytest.raises(ConfigError, match="is not an address"):
        production(STRIPE_SECRET_KEY="sk_test_local", PUBLIC_URL="esim.example.com")


def test_the_command_line_names_the_missing_public_url_in_one_line(app):
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_SETTINGS}
    env.update(DATABASE_URL=app.config["DATABASE_URL"], STRIPE_SECRET_KEY="sk_test_local")
    run = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "init-db"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = run.stderr.strip().splitlines()
    assert run.returncode != 0
    assert len(lines) == 1 and "PUBLIC_URL is not set" in lines[0]


def test_development_keeps_a_local_address_and_answers_any_host(production):
    developing = production(APP_ENV="development")
    assert developing.config["PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert developing.config["TRUSTED_HOSTS"] is None  # a phone on the same Wi-Fi uses another address


def test_production_trusts_public_urls_host_unless_told_otherwise(production):
    started = production(STRIPE_SECRET_KEY="sk_test_local", PUBLIC_URL=PUBLIC)
    assert started.config["TRUSTED_HOSTS"] == ["esim.example.com"]
    listed = production(TRUSTED_HOSTS="esim.example.com, .esim.example.com")
    assert listed.config["TRUSTED_HOSTS"] == ["esim.example.com", ".esim.example.com"]
    client = listed.test_client()
    assert client.get("/", base_url="https://www.esim.example.com").status_code == 200
    assert client.get("/", base_url="https://evil.example").status_code == 400


def test_production_refuses_test_payments_with_a_real_operator(production):
    with pytest.raises(ConfigError, match="PAYMENTS=test with OPERATOR=airalo"):
        production(PUBLIC_URL=PUBLIC, PAYMENTS="test", OPERATOR="airalo")
    with pytest.raises(ConfigError, match="PAYMENTS=test with OPERATOR=airalo"):
        production(PUBLIC_URL=PUBLIC, PAYMENTS="test", STRIPE_SECRET_KEY="sk_test_local")
    demo = production(OPERATOR="simulated")
    assert demo.config["PAYMENTS"] == "test"


@pytest.mark.parametrize("lang", ["en", "km", "zh"])
def test_plain_http_in_production_says_https_is_needed(production, seeded, lang):
    started = production(STRIPE_SECRET_KEY="sk_test_local", PUBLIC_URL=PUBLIC)
    client = started.test_client()
    plain = client.get(f"/login?lang={lang}", base_url="http://esim.example.com")
    assert plain.status_code == 403
    page = plain.get_data(as_text=True)
    assert translated(seeded, lang, "A secure connection is needed") in page
    assert f'href="{PUBLIC}/login?lang={lang}"' in page
    posted = client.post("/login", data={"email": "demo@example.com"}, base_url="http://esim.example.com")
    assert posted.status_code == 403
    assert "Your form expired" not in posted.get_data(as_text=True)
    assert client.get("/login", base_url=PUBLIC).status_code == 200


def test_behind_a_proxy_its_forwarded_scheme_counts(production, seeded):
    started = production(STRIPE_SECRET_KEY="sk_test_local", PUBLIC_URL=PUBLIC, PROXY_COUNT="1")
    client = started.test_client()
    told = client.get("/login", base_url="http://esim.example.com", headers={"X-Forwarded-Proto": "https"})
    assert told.status_code == 200
    assert client.get("/login", base_url="http://esim.example.com").status_code == 403


def test_the_language_cookie_is_secure_in_production(production, seeded):
    started = production(STRIPE_SECRET_KEY="sk_test_local", PUBLIC_URL=PUBLIC)
    answer = started.test_client().get("/?lang=km", base_url=PUBLIC)
    cookie = next(c for c in answer.headers.getlist("Set-Cookie") if c.startswith("lang="))
    assert "Secure" in cookie and "HttpOnly" in cookie
    developing = production(APP_ENV="development", STRIPE_SECRET_KEY="")
    answer = developing.test_client().get("/?lang=km", base_url="http://127.0.0.1:5000")
    cookie = next(c for c in answer.headers.getlist("Set-Cookie") if c.startswith("lang="))
    assert "Secure" not in cookie


def test_seed_demo_refuses_to_run_in_production(production):
    started = production(STRIPE_SECRET_KEY="sk_test_local", PUBLIC_URL=PUBLIC)
    refused = started.test_cli_runner().invoke(args=["seed-demo"])
    assert refused.exit_code != 0
    assert "APP_ENV=development" in refused.output
    assert in_app(started, User.by_email, "agent@example.com") is None
    also = started.test_cli_runner().invoke(args=["seed-demo", "--demo-server"])  # real payments: never
    assert also.exit_code != 0 and in_app(started, User.by_email, "agent@example.com") is None

    demo_server = production(PAYMENTS="test", STRIPE_SECRET_KEY="")
    assert demo_server.test_cli_runner().invoke(args=["seed-demo"]).exit_code != 0
    seeded = demo_server.test_cli_runner().invoke(args=["seed-demo", "--demo-server"])
    assert seeded.exit_code == 0, seeded.output
    assert in_app(demo_server, User.by_email, "agent@example.com") is not None


PRIVATE = "private, no-store"


def _renewal_order(app):
    from app.models import Esim
    from app.services import orders
    from app.services import renewal
    from app.services.demo import DEMO_ICCID

    def place():
        esim = Esim.get(Esim.iccid == DEMO_ICCID)
        return orders.place_order(esim.user, renewal.find_plan("month-10gb"), esim)

    return in_app(app, place)


def test_personal_pages_are_never_stored(client, auth, seeded):
    from app.services import fulfilment

    order = _renewal_order(seeded)
    in_app(seeded, fulfilment.fulfil, order, "system")
    auth.login()
    for url in (
        "/dashboard",
        "/orders",
        "/profile",
        "/",
        f"/esims/{order.esim_id}",
        f"/orders/{order.id}/receipt",
    ):
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.headers.get("Cache-Control") == PRIVATE, url
    auth.logout()
    Auth(client).login("agent@example.com", "agent-pass-1234")
    for url in ("/support", "/support/counter", "/support/refunds", f"/support/orders/{order.id}"):
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.headers.get("Cache-Control") == PRIVATE, url


def test_a_payment_link_and_its_checkout_are_never_stored(client, seeded):
    from app.services import support

    token = in_app(seeded, support.payment_token, _renewal_order(seeded))
    choice = client.get(f"/pay/{token}", follow_redirects=True)
    assert choice.status_code == 200 and choice.request.path == "/pay"  # a card or a bank app
    assert [r.headers.get("Cache-Control") for r in choice.history] == [PRIVATE]
    assert choice.headers.get("Cache-Control") == PRIVATE
    answer = post_form(client, "/pay", {"pay_with": "card"}, follow_redirects=True)
    assert answer.status_code == 200 and "/checkout/test/" in answer.request.path
    assert [r.headers.get("Cache-Control") for r in answer.history] == [PRIVATE]
    assert answer.headers.get("Cache-Control") == PRIVATE


def test_public_pages_and_static_files_keep_their_caching(client, seeded):
    for url in ("/", "/help", "/compatibility", "/login", "/no-such-page"):
        assert "Cache-Control" not in client.get(url).headers, url
    page = client.get("/").get_data(as_text=True)
    stylesheet = re.search(r'href="(/static/app\.css\?v=[^"]+)"', page).group(1)
    assert client.get(stylesheet).headers["Cache-Control"].startswith("public, max-age=")


@pytest.mark.parametrize(
    "path", ["/%5Cevil.example", "/%5C%5Cevil.example", "//evil.example/", "/%2F%2Fevil.example"]
)
def test_language_links_on_a_missing_page_lead_home(client, seeded, path):
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    links = re.findall(r'<a href="([^"]*)" lang="(?:en|km|zh)"', page)
    assert links == ["/?lang=en", "/?lang=km", "/?lang=zh"]


def test_language_links_are_the_routes_own_address(client, auth, seeded):
    auth.login()
    page = client.get("/esims/1?lang=en&from=%5C%5Cevil").get_data(as_text=True)
    links = re.findall(r'<a href="([^"]*)" lang="(?:en|km|zh)"', page)
    assert links[1] == "/esims/1?lang=km&amp;from=%5C%5Cevil"
