"""Three languages: choosing one, formatting for it, and complete catalogs."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from support.helpers import csrf_token
from support.helpers import post_form
from support.helpers import translated

from app.config import PROJECT_ROOT

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _lang(html):
    return re.search(r'<html lang="([^"]+)"', html).group(1)


@pytest.mark.parametrize("lang,html_lang", [("en", "en"), ("km", "km"), ("zh", "zh-Hans")])
def test_lang_parameter_switches_the_language_and_sticks(client, app, lang, html_lang):
    html = client.get(f"/?lang={lang}").get_data(as_text=True)
    assert _lang(html) == html_lang
    assert translated(app, lang, "Prepaid eSIM for Cambodia") in html
    # The choice is remembered in a cookie for the next page.
    assert _lang(client.get("/login").get_data(as_text=True)) == html_lang


@pytest.mark.parametrize(
    "header,expected",
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-Hans"),
        ("km-KH,km;q=0.9", "km"),
        ("fr-FR,fr;q=0.9", "en"),
        ("fr-FR,km;q=0.5", "km"),
    ],
)
def test_accept_language_is_negotiated(client, header, expected):
    html = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert _lang(html) == expected


def test_an_explicit_switch_beats_accept_language(client):
    html = client.get("/?lang=km", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert _lang(html) == "km"


def test_a_switch_while_logged_in_stays_for_this_browser(client, auth, seeded):
    auth.login()
    client.get("/dashboard?lang=zh")
    client.delete_cookie("lang", domain="localhost")
    assert _lang(client.get("/dashboard").get_data(as_text=True)) == "zh-Hans"


def test_a_cross_site_lang_get_leaves_the_profile_as_it_was(client, auth, seeded):
    from support.helpers import in_app

    from app.models import User

    auth.login()
    # Another site's <img src="https://esim.example/dashboard?lang=km">, sent with the cookie.
    client.get(
        "/dashboard?lang=km", headers={"Referer": "https://evil.example/", "Sec-Fetch-Site": "cross-site"}
    )
    assert in_app(seeded, User.by_email, "demo@example.com").language == "en"  # emails stay in English


def test_every_page_offers_each_language_named_in_itself(client):
    html = client.get("/login").get_data(as_text=True)
    for name in ("English", "ភាសាខ្មែរ", "中文"):
        assert f">{name}</a>" in html


@pytest.mark.parametrize("lang", ["en", "km", "zh"])
def test_prices_are_formatted_for_the_locale(client, seeded, lang):
    html = client.get(f"/?lang={lang}").get_data(as_text=True)
    babel_locale = {"zh": "zh_Hans"}.get(lang, lang)
    assert format_currency(5, "USD", locale=babel_locale) in html


def _catalog(lang):
    with open(PROJECT_ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f)


@pytest.mark.parametrize("lang", ["km", "zh"])
def test_catalog_is_complete_and_not_fuzzy(lang):
    catalog = _catalog(lang)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated or fuzzy: {ids[0]!r}")
        elif any(set(PLACEHOLDER.findall(s)) != set(PLACEHOLDER.findall(ids[0])) for s in strings):
            problems.append(f"placeholders differ: {ids[0]!r}")
    assert not problems, "\n".join(problems)


def test_every_marked_string_is_in_the_catalogs(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    with open(pot, "rb") as f:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    for lang in ("km", "zh"):
        have = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(lang) if m.id}
        missing = sorted(wanted - have)
        assert not missing, f"{lang} lacks: {missing[:10]}"


def test_compiled_catalogs_are_fresh():
    for lang in ("km", "zh"):
        folder = Path(PROJECT_ROOT / "translations" / lang / "LC_MESSAGES")
        mo, po = folder / "messages.mo", folder / "messages.po"
        assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, (
            f"run: flask translate compile ({lang})"
        )


# Accept-Language headers as phones and browsers send them, and the language each should get.
REAL_HEADERS = [
    ("zh-CN,zh;q=0.9", "zh"),  # Chrome, mainland China
    ("zh-CN,en;q=0.9", "zh"),  # a mainland phone with English second
    ("zh-Hans-CN;q=1, en-CN;q=0.9", "zh"),  # iOS Safari, Simplified Chinese first
    ("zh-SG,zh;q=0.9,en;q=0.8", "zh"),  # Singapore
    ("zh-TW,en;q=0.8", "zh"),  # Taiwan: Simplified, with a note, rather than English
    ("zh-HK,zh-Hant;q=0.9,en;q=0.8", "zh"),  # Hong Kong
    ("km-KH,en-US;q=0.9,en;q=0.8", "km"),  # Android in Khmer
    ("km-KH,km;q=0.9", "km"),
    ("km", "km"),
    ("en-GB,km;q=0.9", "en"),  # English first, Khmer second
    ("en-US,en;q=0.9", "en"),  # desktop Chrome
    ("en-KH,km-KH;q=0.9", "en"),
    ("fr-FR,fr;q=0.9,zh-CN;q=0.8,en;q=0.7", "zh"),  # French first: the first of ours asked for
    ("ja-JP,ja;q=0.9", "en"),  # none of ours: English
    ("de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7", "en"),
    ("en;q=0.5,km;q=0.8", "km"),  # quality before order
    ("*", "en"),
    ("", "en"),
    ("zh_CN", "zh"),  # an old Android writes an underscore
    ("km;q=0,zh;q=0.1", "zh"),  # q=0 means "not this one"
]


@pytest.mark.parametrize("header, expected", REAL_HEADERS)
def test_the_browser_language_follows_the_headers_order(client, seeded, header, expected):
    html = client.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
    lang = {"en": "en", "km": "km", "zh": "zh-Hans"}[expected]
    assert f'<html lang="{lang}"' in html, header


def test_traditional_chinese_readers_are_told_the_page_is_simplified(client, seeded):
    note = "Traditional Chinese is not available yet"
    html = client.get("/login", headers={"Accept-Language": "zh-TW,en;q=0.8"}).get_data(as_text=True)
    assert translated(seeded, "zh", note + ": this page is in Simplified Chinese.") in html
    simplified = client.get("/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'lang="zh-Hant"' not in simplified


def _opened_in(app, link):
    """The language of the page a link opens in a fresh browser (no cookies), after redirects."""
    browser = app.test_client()
    path = re.sub(r"^https?://[^/]+", "", link)
    page = browser.get(path, follow_redirects=True).get_data(as_text=True)
    return re.search(r'<html lang="([^"]+)"', page).group(1)


def test_every_emailed_link_opens_in_the_recipients_language(client, seeded, outbox):
    from support.helpers import Auth
    from support.helpers import body
    from support.helpers import csrf_token
    from support.helpers import in_app
    from support.helpers import make_customer
    from support.helpers import make_esim

    from app.models import Order
    from app.services import notifications
    from app.services import orders
    from app.services import reminders
    from app.services import renewal
    from app.services.demo import DEMO_AGENT

    customer = make_customer(seeded, "sokha@example.com", "sokha-pass-1234", language="km")
    esim = make_esim(seeded, customer, "8985500000000004441", days_left=5)
    order = in_app(seeded, orders.create_order, customer, esim, renewal.find_plan("month-10gb"))
    link_of = lambda: re.search(r"https?://\S+", body(outbox.last())).group(0)  # noqa: E731

    token = csrf_token(client, "/forgot-password")
    client.post("/forgot-password", data={"email": "sokha@example.com", "csrf_token": token})
    links = {"reset": link_of()}
    in_app(seeded, notifications.send_install_link, esim)
    links["activation"] = link_of()
    in_app(seeded, notifications.send_receipt, in_app(seeded, Order.get_by_id, order.id))
    links["receipt"] = link_of()
    agent = seeded.test_client()
    agent.environ_base["HTTP_REFERER"] = "https://localhost/"
    Auth(agent).login(*DEMO_AGENT)
    # As an agent does:
    post_form(agent, f"/support/orders/{order.id}/email-link", {}, page=f"/support/orders/{order.id}")
    links["payment link"] = link_of()
    assert in_app(seeded, reminders.send_due) == 1
    links["reminder"] = link_of()
    for kind, link in links.items():
        assert _opened_in(seeded, link) == "km", (kind, link)


@pytest.mark.parametrize(
    "method, lang, shown",
    [
        ("alipay", "zh", "支付宝"),
        ("wechat_pay", "zh", "微信支付"),
        ("unionpay •••• 4242", "zh", "银联 •••• 4242"),
        ("jcb •••• 0005", "en", "JCB •••• 0005"),
        ("grabpay", "km", "GrabPay"),
        ("us_bank_account", "en", "US bank account"),
        ("visa •••• 4242", "zh", "Visa •••• 4242"),
    ],
)
def test_payment_methods_are_named_as_their_brands_and_readers_name_them(seeded, method, lang, shown):
    from flask_babel import force_locale

    from app.text import payment_method_label

    with seeded.test_request_context(), force_locale(lang):
        assert payment_method_label(method) == shown


def test_khmer_readers_are_told_the_card_payment_page_is_in_english(client, auth, seeded, fake_stripe):
    from support.payments import esim_of

    note = (
        "The payment page that opens next is in English: our card payment service does not offer Khmer yet."
    )
    auth.login()
    renew = f"/esims/{esim_of(seeded).id}/renew"
    assert translated(seeded, "km", note) in client.get(renew + "?lang=km").get_data(as_text=True)
    assert translated(seeded, "zh", note) not in client.get(renew + "?lang=zh").get_data(as_text=True)


def test_wtforms_own_messages_speak_the_readers_language(client, auth, seeded):
    auth.login()
    token = csrf_token(client, "/profile")
    form = {"name": "ស" * 101, "phone": "", "language": "km", "csrf_token": token}
    page = client.post("/profile?lang=km", data=form).get_data(as_text=True)
    message = "Field cannot be longer than %(max)d character."
    with seeded.test_request_context():
        from flask_babel import force_locale
        from flask_babel import get_translations

        with force_locale("km"):
            khmer = get_translations().ungettext(
                message, "Field cannot be longer than %(max)d characters.", 100
            )
    assert khmer % {"max": 100} in page
    assert "Field cannot be longer" not in page


def test_emails_keep_their_paragraphs_apart(client, seeded, outbox):
    from support.helpers import body
    from support.helpers import in_app
    from support.helpers import make_customer
    from support.helpers import make_esim

    from app.services import notifications

    customer = make_customer(seeded, "para@example.com", "para-pass-1234", language="zh")
    esim = make_esim(seeded, customer, "8985500000000004451")
    in_app(seeded, notifications.send_install_link, esim)
    paragraphs = [p for p in body(outbox.last()).split("\n\n") if p.strip()]
    assert len(paragraphs) >= 5, paragraphs  # greeting, what it is, how, the link, a warning, the sender
    assert all("\n" not in p.strip() for p in paragraphs[:4]), paragraphs


def test_chinese_and_khmer_put_their_own_colon_and_chinese_says_when_first(seeded):
    from datetime import timedelta

    from flask_babel import force_locale

    from app.models import utcnow
    from app.text import colon
    from app.text import updated_ago

    with seeded.test_request_context():
        with force_locale("zh"):
            assert colon("套餐") == "套餐："
            assert updated_ago(utcnow() - timedelta(seconds=37.9)) == "38秒前更新"
        with force_locale("km"):
            assert colon("កញ្ចប់") == "កញ្ចប់៖"
        with force_locale("en"):
            assert colon("Plan") == "Plan:"


def test_receipts_and_senders_speak_the_readers_language(client, seeded, outbox):
    from email.utils import parseaddr

    from support.helpers import in_app
    from support.helpers import make_customer
    from support.helpers import make_esim

    from app.services import fulfilment
    from app.services import notifications
    from app.services import orders
    from app.services import renewal

    customer = make_customer(seeded, "mei@example.com", "mei-pass-12345", language="zh")
    esim = make_esim(seeded, customer, "8985500000000004461")
    in_app(seeded, notifications.send_install_link, esim)
    name, address = parseaddr(outbox.last()["From"])
    assert (name, address) == (seeded.config["MAIL_SENDER_NAME_ZH"], "no-reply@localhost")
    order = in_app(seeded, orders.create_order, customer, esim, renewal.find_plan("month-10gb"))
    in_app(seeded, fulfilment.fulfil, order, "agent")
    from support.helpers import Auth

    Auth(client).login("mei@example.com", "mei-pass-12345")
    receipt = client.get(f"/orders/{order.id}/receipt?lang=km").get_data(as_text=True)
    assert seeded.config["SELLER_NAME_KM"] in receipt and seeded.config["SELLER_ADDRESS_KM"] in receipt
    assert seeded.config["SELLER_NAME"] not in receipt
