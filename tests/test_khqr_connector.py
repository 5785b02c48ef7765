"""The KHQR connector: the code it builds, read back without the package, and Bakong's answers.

The code is parsed here as EMVCo TLV and its CRC computed here (CRC-16/CCITT-FALSE), so a
mistake shared by the package and the connector cannot hide. Bakong is tests/fakes/bakong_server.py.
"""

import hashlib
import socket
import time
from datetime import UTC
from datetime import datetime

import pytest
import qrcode
import qrcode.image.svg
from fakes import bakong_server
from support.helpers import decode_qr
from support.khqr_reading import crc16_ccitt_false
from support.khqr_reading import read_khqr

from app.payments.khqr import ERROR
from app.payments.khqr import NOT_FOUND
from app.payments.khqr import PAID
from app.payments.khqr import KhqrConnector

NOW = 1_800_000_000.25  # a fixed clock: 2027-01-15 08:00:00.250 UTC
SETTINGS = {
    "BAKONG_ACCOUNT": "angkor_esim@aclb",
    "BAKONG_MERCHANT_NAME": "Angkor eSIM",
    "BAKONG_MERCHANT_CITY": "Siem Reap",
    "BAKONG_TOKEN": bakong_server.TOKEN,
    "BAKONG_TIMEOUT": 0.5,
    "BAKONG_QR_TTL": 900,
}


@pytest.fixture
def connector(bakong_api):
    return KhqrConnector({**SETTINGS, "BAKONG_API_BASE": bakong_api[1]}, clock=lambda: NOW)


def test_our_crc_is_crc16_ccitt_false():
    assert crc16_ccitt_false("123456789") == 0x29B1  # the catalogue's check value


@pytest.mark.parametrize(
    ("amount", "currency", "code", "written"),
    [(1250, "USD", "840", "12.5"), (1, "USD", "840", "0.01"), (1999, "USD", "840", "19.99"),
     (123456, "USD", "840", "1234.56"), (100, "USD", "840", "1"), (50000, "KHR", "116", "50000")],
)  # fmt: skip
def test_the_code_carries_amount_currency_bill_number_merchant_and_expiry(
    connector, amount, currency, code, written
):
    made = connector.create_code(amount, currency, "R-000123")
    fields = read_khqr(made.qr)
    assert fields["00"] == "01"  # payload format indicator
    assert fields["01"] == "12"  # dynamic: one code for one payment
    assert fields["29"] == {"00": "angkor_esim@aclb"}  # Bakong account, individual/solo merchant
    assert (fields["52"], fields["58"]) == ("5999", "KH")
    assert (fields["53"], fields["54"]) == (code, written)
    assert (fields["59"], fields["60"]) == ("Angkor eSIM", "Siem Reap")
    assert fields["62"] == {"01": "R-000123"}  # bill number
    assert fields["99"] == {"00": "1800000000250", "01": "1800000900250"}  # created, expires (ms)
    assert made.expires_at == datetime(2027, 1, 15, 8, 15, 0, 250000, tzinfo=UTC)
    assert made.created_at == datetime(2027, 1, 15, 8, 0, 0, 250000, tzinfo=UTC)
    assert made.md5 == hashlib.md5(made.qr.encode()).hexdigest()
    assert (made.amount, made.currency, made.bill_number) == (amount, currency, "R-000123")


def test_a_code_can_live_for_minutes_not_only_whole_days(connector):
    made = connector.create_code(500, "usd", "R-1", ttl=120)
    assert read_khqr(made.qr)["99"]["01"] == str(int(NOW * 1000) + 120_000)
    assert made.currency == "USD"


@pytest.mark.parametrize(
    ("amount", "currency", "bill"),
    [
        (0, "USD", "R-1"),
        (-5, "USD", "R-1"),
        (12.5, "USD", "R-1"),
        (100, "EUR", "R-1"),
        (100, "USD", "R" * 26),
    ],
)
def test_codes_the_bank_would_refuse_are_not_made(connector, amount, currency, bill):
    with pytest.raises(ValueError):
        connector.create_code(amount, currency, bill)


def test_the_merchant_settings_are_required():
    with pytest.raises(ValueError, match="BAKONG_ACCOUNT"):
        KhqrConnector({**SETTINGS, "BAKONG_ACCOUNT": ""})


def test_the_rendered_qr_reads_back_as_the_same_khqr(connector):
    made = connector.create_code(1250, "USD", "R-000123")
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(made.qr)
    svg = code.make_image(image_factory=qrcode.image.svg.SvgPathImage).to_string(encoding="unicode")
    scanned = decode_qr(svg)
    assert scanned == made.qr
    assert read_khqr(scanned)["54"] == "12.5"


@pytest.mark.parametrize(
    ("amount", "currency", "paid"), [(12.5, "USD", 1250), (1.0, "USD", 100), (50000, "KHR", 50000)]
)
def test_a_paid_code_is_reported_with_amount_reference_and_payer(
    connector, fake_bakong, amount, currency, paid
):
    made = connector.create_code(paid, currency, "R-000123")
    payment = fake_bakong.pay(made.md5, amount, currency)
    result = connector.check(made.md5)
    assert result.paid and result.status == PAID
    assert (result.amount, result.currency) == (paid, currency)
    assert result.hash == payment["hash"] and len(result.hash) == 64
    assert result.payer_account == bakong_server.PAYER
    [(path, headers, body)] = fake_bakong.seen("/v1/check_transaction_by_md5")
    assert body == {"md5": made.md5}
    assert headers["Authorization"] == f"Bearer {bakong_server.TOKEN}"
    assert headers["Content-Type"] == "application/json"


def test_a_paid_status_read_again_is_the_same_payment(connector, fake_bakong):
    made = connector.create_code(1250, "USD", "R-7")
    fake_bakong.pay(made.md5, 12.5, "USD")
    assert connector.check(made.md5) == connector.check(made.md5)


def test_a_short_payment_never_rounds_up_to_the_price(connector, fake_bakong):
    made = connector.create_code(1250, "USD", "R-8")
    fake_bakong.pay(made.md5, 12.499, "USD")
    assert connector.check(made.md5).amount == 1249


def test_an_unpaid_code_is_not_found(connector, fake_bakong):
    result = connector.check(connector.create_code(1250, "USD", "R-9").md5)
    assert result.status == NOT_FOUND and not result.paid
    assert "could not be found" in result.message


def test_a_failed_attempt_leaves_the_code_unpaid(connector, fake_bakong):
    made = connector.create_code(1250, "USD", "R-10")
    fake_bakong.fail(made.md5)
    result = connector.check(made.md5)
    assert result.status == NOT_FOUND and result.message == "Transaction failed."


@pytest.mark.parametrize("status", [500, 502, 503, 429, 403])
def test_an_http_error_is_an_error_to_retry(connector, fake_bakong, status):
    fake_bakong.next("/v1/check_transaction_by_md5", status=status)
    assert connector.check("0" * 32).status == ERROR


def test_a_slow_answer_times_out_as_an_error(connector, fake_bakong):
    made = connector.create_code(1250, "USD", "R-11")
    fake_bakong.pay(made.md5, 12.5, "USD")
    fake_bakong.next("/v1/check_transaction_by_md5", sleep=2)
    started = time.monotonic()
    result = connector.check(made.md5)
    assert result.status == ERROR and "did not answer" in result.message
    assert time.monotonic() - started < 1.5
    assert connector.check(made.md5).paid  # the next poll finds it


def test_a_wrong_token_is_an_error_not_an_unpaid_code(bakong_api, fake_bakong):
    wrong = KhqrConnector({**SETTINGS, "BAKONG_API_BASE": bakong_api[1], "BAKONG_TOKEN": "expired"})
    result = wrong.check("d60f3db96913029a2af979a1662c1e72")
    assert result.status == ERROR and "BAKONG_TOKEN" in result.message
    [(_path, headers, _body)] = fake_bakong.seen("/v1/check_transaction_by_md5")
    assert headers["Authorization"] == "Bearer expired"


def test_no_server_is_an_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    down = KhqrConnector({**SETTINGS, "BAKONG_API_BASE": f"http://127.0.0.1:{port}"})
    assert down.check("0" * 32).status == ERROR


def test_the_deep_link_is_bakongs_short_link(connector, fake_bakong):
    made = connector.create_code(1250, "USD", "R-12")
    link = connector.deep_link(
        made.qr, "Angkor eSIM", "https://esim.example/icon.png", "https://esim.example/o/12"
    )
    assert link.startswith("https://")
    [(_path, _headers, body)] = fake_bakong.seen("/v1/generate_deeplink_by_qr")
    assert body == {
        "qr": made.qr,
        "sourceInfo": {
            "appIconUrl": "https://esim.example/icon.png",
            "appName": "Angkor eSIM",
            "appDeepLinkCallback": "https://esim.example/o/12",
        },
    }


def test_no_deep_link_when_bakong_makes_none_or_is_down(connector, fake_bakong):
    qr = connector.create_code(1250, "USD", "R-13").qr
    fake_bakong.deeplink_fails = True
    assert connector.deep_link(qr) is None
    fake_bakong.next("/v1/generate_deeplink_by_qr", status=503)
    assert connector.deep_link(qr) is None
