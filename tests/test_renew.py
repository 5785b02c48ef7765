"""Choosing a renewal plan: the summary in place, and the pending order."""

from datetime import timedelta

import pytest
from babel.dates import format_date
from support.helpers import HTMX
from support.helpers import csrf_token
from support.helpers import in_app
from support.helpers import make_esim
from support.helpers import translated

from app.models import Esim
from app.models import Order
from app.models import OrderEvent
from app.models import OrderStatus
from app.models import PromoCode
from app.models import User
from app.services.demo import DEMO_ICCID
from app.text import DATE_PATTERNS
from app.text import to_local

SUMMARY = {**HTMX, "HX-Target": "summary"}


def _esim(app, iccid=DEMO_ICCID):
    return in_app(app, lambda: Esim.get(Esim.iccid == iccid))


def _date(dt, lang="en"):
    return format_date(to_local(dt), locale={"zh": "zh_Hans"}.get(lang, lang), format=DATE_PATTERNS[lang])


def test_renew_page_groups_the_plans(client, auth, seeded):
    auth.login()
    html = client.get(f"/esims/{_esim(seeded).id}/renew").get_data(as_text=True)
    for legend in ("Daily plans", "Monthly plans", "Yearly plans"):
        assert f"<legend>{legend}</legend>" in html
    assert html.count('type="radio" name="plan"') == 7
    assert "Choose a plan to see the price" in html


def test_choosing_a_plan_returns_only_the_summary_for_htmx(client, auth, seeded):
    auth.login()
    esim = _esim(seeded)
    response = client.get(f"/esims/{esim.id}/renew?plan=month-30gb", headers=SUMMARY)
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="summary"')
    assert "<html" not in html and "<fieldset" not in html
    assert "HX-Request" in response.headers["Vary"]
    assert "30 days · 30 GB · 300 minutes" in html
    assert "$10.00" in html
    # Early renewal: 30 days on top of the current expiry, data left carried over.
    assert _date(esim.expires_at + timedelta(days=30)) in html
    assert "36.71 GB" in html  # 6.71 GB left + 30 GB, rounded as every data amount


def test_without_javascript_the_same_choice_gives_the_whole_page(client, auth, seeded):
    auth.login()
    html = client.get(f"/esims/{_esim(seeded).id}/renew?plan=day-1gb").get_data(as_text=True)
    assert "<fieldset" in html
    assert 'value="day-1gb" checked' in html
    assert "1 day · 1 GB" in html and "$1.00" in html
    assert 'name="preview"' in html  # the "Show the price" button


def test_show_the_price_without_javascript_posts_the_form_and_places_no_order(client, auth, seeded):
    auth.login()
    response = _post_renewal(client, _esim(seeded).id, plan="month-30gb", promo="WELCOME10", preview="1")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="month-30gb" checked' in html
    assert "$10.00" in html and "$9.00" in html  # price, then the price after the code
    assert in_app(seeded, Order.select().count) == 0
    # The button lands on the summary (its fragment), and the page has no errors to open on.
    assert f'formaction="/esims/{_esim(seeded).id}/renew#price"' in html
    assert '<h2 id="price">' in html and 'id="errors"' not in html


def test_an_expired_esim_renews_from_today_with_a_fresh_allowance(client, auth, seeded):
    user = in_app(seeded, User.by_email, "demo@example.com")
    esim = make_esim(seeded, user, "8985500000000000301", days_left=-5, data_used_mb=100)
    auth.login()
    html = client.get(f"/esims/{esim.id}/renew?plan=month-10gb", headers=SUMMARY).get_data(as_text=True)
    from app.models import utcnow

    assert _date(utcnow() + timedelta(days=30)) in html
    assert "10 GB · 100 minutes" in html


@pytest.mark.parametrize("lang", ["en", "km", "zh"])
def test_summary_is_translated_and_formatted(client, auth, seeded, lang):
    auth.login()
    esim = _esim(seeded)
    html = client.get(f"/esims/{esim.id}/renew?plan=year-150gb&lang={lang}", headers=SUMMARY).get_data(
        as_text=True
    )
    assert translated(seeded, lang, "New expiry date") in html
    assert translated(seeded, lang, "To pay") in html
    assert _date(esim.expires_at + timedelta(days=365), lang) in html


def test_a_percent_promo_code_shows_the_discount_in_place(client, auth, seeded):
    auth.login()
    html = client.get(
        f"/esims/{_esim(seeded).id}/renew?plan=month-30gb&promo=welcome10", headers=SUMMARY
    ).get_data(as_text=True)
    assert "Discount (WELCOME10)" in html
    assert "−$1.00" in html
    assert "$9.00" in html


@pytest.mark.parametrize(
    "code,plan,message",
    [
        ("NOPE", "month-10gb", "We do not know this promo code. Please check the spelling."),
        ("BONUS5GB", "day-1gb", "This promo code cannot be used with this plan."),
        ("OLD", "month-10gb", "This promo code has expired."),
        ("GONE", "month-10gb", "This promo code has been used up."),
    ],
)
def test_unusable_promo_codes_get_a_translated_reason(client, auth, seeded, code, plan, message):
    from app.models import utcnow

    in_app(
        seeded,
        PromoCode.create,
        code="OLD",
        kind="percent",
        value=50,
        valid_until=utcnow() - timedelta(days=1),
    )
    in_app(seeded, PromoCode.create, code="GONE", kind="amount", value=100, max_redemptions=2, redemptions=2)
    auth.login()
    html = client.get(
        f"/esims/{_esim(seeded).id}/renew?plan={plan}&promo={code}&lang=zh", headers=SUMMARY
    ).get_data(as_text=True)
    assert translated(seeded, "zh", message) in html


def _post_renewal(client, esim_id, **data):
    data.setdefault("csrf_token", csrf_token(client, f"/esims/{esim_id}/renew"))
    return client.post(f"/esims/{esim_id}/renew", data=data)


def test_posting_the_choice_creates_a_pending_order_priced_by_the_server(client, auth, seeded):
    auth.login()
    esim = _esim(seeded)
    response = _post_renewal(
        client, esim.id, plan="month-30gb", promo="WELCOME10", price="1", amount_cents="1"
    )
    assert response.status_code == 303
    order = in_app(seeded, Order.get)
    assert response.location.startswith("/checkout/test/cs_test_")  # straight on to paying
    assert (order.status, order.price_cents, order.discount_cents, order.amount_cents) == (
        "pending",
        1000,
        100,
        900,
    )
    assert order.esim_id == esim.id
    events = in_app(
        seeded,
        lambda: [(e.from_status, e.to_status, e.note) for e in OrderEvent.select().order_by(OrderEvent.id)],
    )
    assert events == [("", "pending", ""), ("pending", "pending", "checkout_started")]


@pytest.mark.parametrize(
    "data", [{"plan": "free-plan"}, {"plan": ""}, {"plan": "month-10gb", "promo": "NOPE"}]
)
def test_bad_choices_are_refused_and_create_no_order(client, auth, seeded, data):
    auth.login()
    response = _post_renewal(client, _esim(seeded).id, **data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="error"' in html
    assert in_app(seeded, Order.select().count) == 0
    # The page opens on a list of what is wrong, each linked to its field; not on the price.
    summary = html.split('<div class="error-summary" id="errors" role="alert" tabindex="-1" autofocus>')[1]
    field = "promo" if data.get("promo") else "plan"
    assert f'<a href="#{field}">' in summary.split("</div>")[0]
    assert f'id="{field}"' in html
    assert 'id="price"' not in html


def test_posting_without_the_csrf_token_creates_no_order(client, auth, seeded):
    auth.login()
    response = client.post(f"/esims/{_esim(seeded).id}/renew", data={"plan": "month-10gb"})
    assert response.status_code == 400
    assert in_app(seeded, Order.select().count) == 0


AGENT = ("agent@example.com", "agent-pass-1234")
SHORT_OF_EXPIRY = "The operator set an earlier expiry than the renewal summary promised."


def _renew_and_apply(client, auth, app, monkeypatch=None, operator_reading=None):
    """The customer renews the demo eSIM, pays, and the worker has the operator apply it."""
    from support.helpers import time_passes_for_the_worker

    from app.operators.simulated import SimulatedOperator
    from app.services import fulfilment

    auth.login()
    esim = _esim(app)
    assert _post_renewal(client, esim.id, plan="month-10gb").status_code == 303
    order = in_app(app, Order.get)
    if operator_reading:
        monkeypatch.setattr(SimulatedOperator, "read_usage", operator_reading(SimulatedOperator.read_usage))
    assert in_app(app, fulfilment.fulfil, order, "webhook")
    time_passes_for_the_worker(app)
    return esim, in_app(app, Order.get_by_id, order.id)


def test_a_renewal_applied_as_its_summary_promised_is_not_flagged(client, auth, seeded):
    esim, order = _renew_and_apply(client, auth, seeded)
    assert order.status == OrderStatus.FULFILLED
    assert order.promised_expires_at == esim.expires_at + timedelta(days=30)  # as the summary said
    assert _esim(seeded).expires_at == order.promised_expires_at
    assert order.operator_shortfall == ""
    from support.helpers import staff_client

    agent = staff_client(seeded, *AGENT)
    assert SHORT_OF_EXPIRY not in agent.get(f"/support/orders/{order.id}").get_data(as_text=True)
    assert order.number not in agent.get("/support/refunds").get_data(as_text=True)


def test_an_operator_that_reports_an_earlier_expiry_than_promised_is_flagged_to_support(
    client, auth, seeded, monkeypatch
):
    from dataclasses import replace

    from support.helpers import staff_client

    def a_day_short(read_usage):
        def read(operator, iccids):
            return {
                iccid: replace(usage, expires_at=usage.expires_at - timedelta(days=1))
                for iccid, usage in read_usage(operator, iccids).items()
            }

        return read

    esim, order = _renew_and_apply(client, auth, seeded, monkeypatch, a_day_short)
    promised = esim.expires_at + timedelta(days=30)
    assert order.status == OrderStatus.FULFILLED  # the customer has the plan; support checks the difference
    assert order.operator_shortfall == "expiry"
    assert order.promised_expires_at == promised
    assert order.reported_expires_at == promised - timedelta(days=1)
    agent = staff_client(seeded, *AGENT)
    page = agent.get(f"/support/orders/{order.id}").get_data(as_text=True)
    assert SHORT_OF_EXPIRY in page
    listing = agent.get("/support/refunds?lang=km").get_data(as_text=True)
    assert order.number in listing
    assert translated(seeded, "km", "Renewals to check with the operator") in listing
    assert translated(seeded, "km", SHORT_OF_EXPIRY) in listing
