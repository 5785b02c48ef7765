"""Buying a new eSIM, installing it, and checking the phone first."""

import re
from urllib.parse import unquote

import pytest
import qrcode
import qrcode.image.svg
from support.helpers import HTMX
from support.helpers import body
from support.helpers import csrf_token
from support.helpers import in_app
from support.helpers import post_form
from support.helpers import translated

from app.models import Esim
from app.models import Order
from app.models import User
from app.operators.simulated import luhn_digit
from app.services import devices
from app.services.demo import DEMO_ICCID

IPHONE_17_4 = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
IPHONE_16 = "Mozilla/5.0 (iPhone; CPU iPhone OS 16_7 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
ANDROID = "Mozilla/5.0 (Linux; Android 14; K) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"
LPA = re.compile(r"^LPA:1\$[a-z0-9.-]+\$[A-Z0-9-]+$")


@pytest.fixture
def with_devices(seeded):
    in_app(seeded, devices.load_catalogue)
    return seeded


def _buy(client, plan="month-10gb", **account):
    token = csrf_token(client, "/buy")
    data = {"plan": plan, "csrf_token": token, **account}
    return client.post("/buy", data=data)


def _pay_test_checkout(client, location):
    paid = post_form(client, location, {"action": "pay"})
    return client.get(paid.location.split("localhost", 1)[1])


def _finish(app):
    order = in_app(app, lambda: Order.select().order_by(Order.id.desc()).get())
    return in_app(app, Order.get_by_id, order.id)


NEW_VISITOR = {"email": "sokha@example.com", "password": "long-enough-pw", "confirm": "long-enough-pw"}


@pytest.mark.parametrize("lang", ["en", "km", "zh"])
def test_a_visitor_buys_an_esim_with_a_new_account_and_can_install_it(client, seeded, outbox, lang):
    response = _buy(client, language=lang, **NEW_VISITOR)
    assert response.status_code == 303 and response.location.startswith("/checkout/test/")
    user = in_app(seeded, User.by_email, "sokha@example.com")
    assert user.language == lang
    _pay_test_checkout(client, response.location)
    order = _finish(seeded)
    assert (order.kind, order.status) == ("new_esim", "fulfilled")
    esim = in_app(seeded, Esim.get_by_id, order.esim_id)
    assert esim.user_id == user.id
    assert re.fullmatch(r"89855\d{14}", esim.iccid) and luhn_digit(esim.iccid[:-1]) == esim.iccid[-1]
    assert esim.expires_at is not None and esim.installed_at is None

    email = outbox.last()
    assert email["To"] == "sokha@example.com"
    assert email["Subject"] == translated(seeded, lang, "Your eSIM is ready to install")
    link = re.search(r"https?://\S+/install\?token=\S+", body(email)).group(0)
    assert f"lang={lang}" in link

    stranger = seeded.test_client()  # the emailed link works without logging in
    page = stranger.get(
        link.split("localhost", 1)[1] if "localhost" in link else link.split("5000", 1)[1],
        follow_redirects=True,
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert page.request.path == f"/esims/{esim.id}/install" and "token" not in page.request.url
    assert translated(seeded, lang, "Install your eSIM") in html
    code = f"LPA:1${esim.smdp_address}${esim.matching_id}"
    assert LPA.match(code) and code in html
    assert "<svg" in html and "<img" not in html


def test_the_qr_code_encodes_exactly_the_activation_code(client, auth, seeded):
    auth.login()
    esim = in_app(seeded, lambda: Esim.get(Esim.iccid == DEMO_ICCID))
    html = client.get(f"/esims/{esim.id}/install").get_data(as_text=True)
    code = re.search(r'<code id="lpa">([^<]+)</code>', html).group(1)
    assert LPA.match(code)
    # Rebuild the QR code of that text: the page's SVG path must be the same modules.
    qr = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
        image_factory=qrcode.image.svg.SvgPathImage,
    )
    qr.add_data(code)
    qr.make(fit=True)
    expected_path = re.search(r' d="([^"]+)"', qr.make_image().to_string(encoding="unicode")).group(1)
    assert f'd="{expected_path}"' in html
    for link in re.findall(r'href="(https://esimsetup\.(?:apple|android)\.com/[^"]+)"', html):
        assert unquote(link.split("carddata=", 1)[1]) == code


@pytest.mark.parametrize(
    "agent,shown,hidden",
    [
        (IPHONE_17_4, "Install on this iPhone", "Install on this phone"),
        (ANDROID, "Install on this phone", "Install on this iPhone"),
        (IPHONE_16, None, "Install on this iPhone"),
    ],
)
def test_one_tap_install_follows_the_visitors_phone(client, auth, seeded, agent, shown, hidden):
    auth.login()
    esim = in_app(seeded, lambda: Esim.get(Esim.iccid == DEMO_ICCID))
    html = client.get(f"/esims/{esim.id}/install", headers={"User-Agent": agent}).get_data(as_text=True)
    if shown:
        assert shown in html
    assert hidden not in html
    assert "can be installed only once" in html


def test_the_install_page_is_the_owners_only(client, auth, seeded):
    from support.helpers import make_customer
    from support.helpers import make_esim

    other = make_customer(seeded)
    theirs = make_esim(seeded, other, "8985500000000000777")
    assert client.get(f"/esims/{theirs.id}/install").status_code == 302  # log in first
    auth.login()
    assert client.get(f"/esims/{theirs.id}/install").status_code == 404
    assert client.get(f"/esims/{theirs.id}/install?token=forged", follow_redirects=True).status_code == 404


def test_a_used_email_is_refused_and_nothing_is_bought(client, seeded):
    response = _buy(client, language="en", **{**NEW_VISITOR, "email": "demo@example.com"})
    assert response.status_code == 200
    assert "already exists" in response.get_data(as_text=True)
    assert in_app(seeded, Order.select().count) == 0


def test_a_logged_in_customer_buys_without_account_fields(client, auth, seeded):
    auth.login()
    html = client.get("/buy").get_data(as_text=True)
    assert 'name="password"' not in html
    response = _buy(client, plan="day-1gb")
    assert response.status_code == 303
    order = in_app(seeded, Order.get)
    assert order.kind == "new_esim" and order.amount_cents == 100 and order.esim_id is None


def test_an_unknown_plan_buys_nothing_and_creates_no_account(client, seeded):
    response = _buy(client, plan="free", language="en", **NEW_VISITOR)
    assert response.status_code == 200
    assert in_app(seeded, User.by_email, "sokha@example.com") is None
    assert in_app(seeded, Order.select().count) == 0


def test_the_dashboard_offers_to_install_until_the_phone_has_it(client, seeded):
    _pay_test_checkout(client, _buy(client, language="en", **NEW_VISITOR).location)
    order = _finish(seeded)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Not installed yet" in html
    assert f'href="/esims/{order.esim_id}/install"' in html
    post_form(client, f"/esims/{order.esim_id}/install/simulate", {}, page=f"/esims/{order.esim_id}/install")
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Not installed yet" not in html and "Active" in html


def test_the_device_list_has_enough_phones_from_the_main_brands(with_devices):
    from app.models import Device

    assert in_app(with_devices, Device.select().count) >= 150
    brands = set(in_app(with_devices, lambda: [d.brand for d in Device.select()]))
    assert {"Apple", "Samsung", "Google", "Xiaomi", "OPPO", "vivo", "Huawei", "Motorola"} <= brands
    in_app(with_devices, devices.load_catalogue)  # loading again adds nothing
    assert in_app(with_devices, Device.select().count) == len(
        devices.json.loads(devices.DATA_FILE.read_text())["devices"]
    )


def test_searching_a_phone_with_htmx_returns_only_the_results(client, with_devices):
    headers = {**HTMX, "HX-Target": "device-results"}
    html = client.get("/compatibility?q=iphone+13&lang=zh", headers=headers).get_data(as_text=True)
    assert html.lstrip().startswith('<section id="device-results"')
    assert "Apple iPhone 13 mini" in html and "Apple iPhone 13 Pro Max" in html
    assert "Galaxy" not in html
    assert (
        translated(
            with_devices,
            "zh",
            "Models sold in Hong Kong and Macau have eSIM; those sold in mainland China do not.",
        )
        in html
    )


def test_searching_without_javascript_gives_the_whole_page(client, with_devices):
    html = client.get("/compatibility?q=pixel+8").get_data(as_text=True)
    assert "<html" in html and 'value="pixel 8"' in html
    assert "Google Pixel 8a" in html
    none = client.get("/compatibility?q=nokia+3310").get_data(as_text=True)
    assert "We know no eSIM phone by that name" in none


def test_the_compatibility_page_hints_from_the_user_agent(client, with_devices):
    assert "You seem to be using an iPhone" in client.get(
        "/compatibility", headers={"User-Agent": IPHONE_16}
    ).get_data(as_text=True)
    assert "You seem to be using an Android phone" in client.get(
        "/compatibility", headers={"User-Agent": ANDROID}
    ).get_data(as_text=True)


@pytest.mark.parametrize(
    "query, brand",
    [("三星", "Samsung"), ("苹果", "Apple"), ("华为", "Huawei"), ("小米", "Xiaomi"), ("谷歌", "Google"),
     ("荣耀", "Honor"), ("一加", "OnePlus"), ("摩托罗拉", "Motorola"), ("索尼", "Sony"), ("OPPO", "OPPO"),
     ("vivo", "vivo"), ("三星S24", "Samsung"), ("សាំសុង", "Samsung")],
)  # fmt: skip
def test_the_phone_finder_knows_brands_by_the_names_readers_use(client, with_devices, query, brand):
    html = client.get("/compatibility", query_string={"q": query}, headers=HTMX).get_data(as_text=True)
    assert brand in html and "We know no eSIM phone" not in html, query


def test_the_phone_finder_says_so_when_nothing_matches(client, with_devices):
    html = client.get("/compatibility", query_string={"q": "nokia 3310"}, headers=HTMX).get_data(as_text=True)
    assert "We know no eSIM phone by that name" in html
    assert "0 phones" not in html


def test_the_buy_page_shows_the_price_in_place_with_the_code_and_when_the_days_start(client, seeded):
    fragment = client.get("/buy?plan=month-30gb&promo=welcome10", headers={**HTMX, "HX-Target": "summary"})
    html = fragment.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="summary"')
    assert "$10.00" in html and "−$1.00" in html and "$9.00" in html
    assert "Days start" in html and "when you pay" in html
    assert "New expiry date" not in html

    bad = client.get("/buy?plan=month-30gb&promo=NOPE", headers={**HTMX, "HX-Target": "summary"})
    assert "We do not know this promo code" in bad.get_data(as_text=True)

    # Only the plan and the code go into the address while one fills in the form.
    page = client.get("/buy").get_data(as_text=True)
    assert 'hx-params="plan,promo"' in page and 'hx-target="#summary"' in page


def test_show_the_price_without_javascript_asks_nothing_of_the_account_and_buys_nothing(client, seeded):
    response = post_form(client, "/buy", {"plan": "year-150gb", "promo": "WELCOME10", "preview": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="year-150gb" checked' in html
    assert "$60.00" in html and "$54.00" in html
    assert '<h2 id="price">' in html and 'id="errors"' not in html
    assert 'formaction="/buy#price"' in html
    assert in_app(seeded, User.select().count) == 2 and in_app(seeded, Order.select().count) == 0


def test_a_mistake_on_the_buy_page_opens_on_the_list_of_errors(client, seeded):
    response = _buy(client, plan="day-1gb", language="en", **{**NEW_VISITOR, "confirm": "something-else"})
    html = response.get_data(as_text=True)
    errors = html.split('id="errors"', 1)[1].split("</div>", 1)[0]
    assert '<a href="#confirm">' in errors
    assert 'id="price"' not in html and "$1.00" in html.split('id="summary"', 1)[1]
