"""The operator's commands on a production set-up: plans without demo accounts, the first admin."""

import pytest
from fakes import airalo_server
from support.helpers import CHEAP_PASSWORD_HASH
from support.helpers import in_app

from app.models import Device
from app.models import Plan
from app.models import User
from app.services.catalogue_seed import PLANS

PUBLIC = "https://esim.example.com"
# Real payments at a public address; the passwords hashed cheaply, as in every other test.
LIVE = {
    "STRIPE_SECRET_KEY": "sk_test_local",
    "PUBLIC_URL": PUBLIC,
    "PASSWORD_HASH_METHOD": CHEAP_PASSWORD_HASH,
}


def _run(app, *args, **kwargs):
    result = app.test_cli_runner().invoke(args=list(args), **kwargs)
    assert result.exit_code == 0, result.output
    return result.output


def _plans(app):
    return in_app(app, lambda: sorted((p.code, p.price_cents, p.active) for p in Plan.select()))


def test_load_plans_puts_the_plans_on_sale_in_production_without_any_account(production):
    site = production(**LIVE)
    assert "Plans: 7 added, 0 updated, 0 withdrawn." in _run(site, "load-plans")
    assert _plans(site) == sorted((code, price, True) for code, _k, _d, _mb, _min, price in PLANS)
    assert in_app(site, User.select().count) == 0
    assert in_app(site, Device.select().count) > 0
    page = site.test_client().get("/", base_url=PUBLIC).get_data(as_text=True)
    assert "$99.00" in page and "$1.00" in page  # the yearly 365 GB and the daily 1 GB plans

    before = _plans(site), in_app(site, Device.select().count)
    assert "Plans: 0 added, 0 updated, 0 withdrawn." in _run(site, "load-plans")
    assert (_plans(site), in_app(site, Device.select().count)) == before
    assert in_app(site, User.select().count) == 0


def test_load_plans_keeps_a_price_the_operator_changed(production):
    site = production(**LIVE)
    _run(site, "load-plans")
    in_app(site, Plan.update(price_cents=450).where(Plan.code == "month-10gb").execute)
    _run(site, "load-plans")
    assert in_app(site, lambda: Plan.get(Plan.code == "month-10gb").price_cents) == 450


def test_with_airalo_load_plans_loads_its_packages_and_none_of_the_built_in_ones(production, airalo_api):
    fake, url = airalo_api
    fake.reset()
    site = production(
        **LIVE,
        OPERATOR="airalo",
        AIRALO_API_BASE=url + "/v2",
        AIRALO_CLIENT_ID=airalo_server.CLIENT_ID,
        AIRALO_CLIENT_SECRET=airalo_server.CLIENT_SECRET,
        AIRALO_MARKUP_PERCENT="25",
    )
    assert "Plans: 4 added, 0 updated, 0 withdrawn." in _run(site, "load-plans")
    assert "Plans: 0 added, 4 updated, 0 withdrawn." in _run(site, "load-plans")
    codes = [code for code, _price, _active in _plans(site)]
    assert "kh-connect-30days-10gb" in codes and "month-10gb" not in codes
    assert in_app(site, User.select().count) == 0


def test_load_plans_says_when_the_operator_cannot_be_reached(production):
    site = production(
        **LIVE,
        OPERATOR="airalo",
        AIRALO_API_BASE="http://127.0.0.1:9/v2",
        AIRALO_CLIENT_ID="x",
        AIRALO_CLIENT_SECRET="y",
        AIRALO_TIMEOUT="1",
    )
    result = site.test_cli_runner().invoke(args=["load-plans"])
    assert result.exit_code != 0 and "Error:" in result.output
    assert _plans(site) == []


def test_the_first_admin_is_asked_for_a_password_twice_and_can_log_in(production, client, auth):
    site = production(**LIVE)
    _run(site, "load-plans")
    typed = "lotus-temple-4821\nlotus-temple-4821\n"
    assert "boss@example.com is now an admin." in _run(site, "create-admin", "boss@example.com", input=typed)
    assert in_app(site, lambda: User.by_email("boss@example.com").role) == "admin"
    assert in_app(site, User.select().count) == 1
    auth.login("boss@example.com", "lotus-temple-4821")
    assert client.get("/support/refunds").status_code == 200  # staff only: a customer gets 403


@pytest.mark.parametrize(
    "password, reason",
    [
        ("short-pw-1", "12 to 128 characters"),
        ("boss-lotus-temple", "must not contain the email address"),
        ("password1234", "too easy to guess"),
    ],
)
def test_a_staff_password_is_held_to_the_sign_up_rules(production, password, reason):
    site = production(**LIVE)
    typed = f"{password}\n{password}\n"
    refused = site.test_cli_runner().invoke(args=["create-agent", "boss@example.com", "--admin"], input=typed)
    assert refused.exit_code != 0 and reason in refused.output
    assert in_app(site, User.by_email, "boss@example.com") is None


def test_promoting_an_existing_account_asks_for_no_password(production):
    site = production(**LIVE)
    _run(site, "create-agent", "sokha@example.com", "--password", "lotus-temple-4821")
    assert "sokha@example.com is now an admin." in _run(site, "create-admin", "sokha@example.com")
    assert in_app(site, lambda: User.by_email("sokha@example.com").role) == "admin"
