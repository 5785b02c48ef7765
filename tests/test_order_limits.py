"""New orders per account are limited (renewals and new eSIMs together); the same order again is not."""

from support.helpers import csrf_token
from support.helpers import in_app
from support.helpers import post_form
from support.helpers import translated
from support.payments import esim_of

from app.models import Order
from app.models import OrderStatus
from app.services import orders

PLANS = ["day-1gb", "day-3gb", "month-10gb", "month-30gb", "month-80gb", "year-150gb", "year-365gb"]
TOO_MANY = "Too many tries. Please wait %(wait)s, then try again. What you typed is still here."


def _orders(app):
    return in_app(app, lambda: Order.select().count())


def _give_up_pending(app):
    """The customer cancels what is unpaid, so the next renewal is a new order."""

    def cancel_all():
        for order in Order.select().where(Order.status == OrderStatus.PENDING):
            orders.cancel(order, "customer")

    in_app(app, cancel_all)


def _wait_of_15_minutes(app, lang):
    from flask_babel import force_locale

    from app.web import throttle

    with app.test_request_context(), force_locale(lang):
        return throttle.wait_text(15 * 60)


def test_the_eleventh_new_order_in_fifteen_minutes_waits_and_the_same_order_again_is_free(
    client, auth, seeded
):
    auth.login()
    client.get("/dashboard?lang=zh")
    url = f"/esims/{esim_of(seeded).id}/renew"
    token = csrf_token(client, url)
    for n in range(10):
        form = {"plan": PLANS[n % len(PLANS)], "promo": "", "csrf_token": token}
        assert client.post(url, data=form).status_code == 303
        if n < 9:  # a double tap: the same order again, not counted
            assert client.post(url, data=form).status_code == 303
        _give_up_pending(seeded)
    assert _orders(seeded) == 10

    refused = client.post(url, data={"plan": "day-3gb", "promo": "", "csrf_token": token})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 800
    page = refused.get_data(as_text=True)
    assert translated(seeded, "zh", TOO_MANY, wait=_wait_of_15_minutes(seeded, "zh")) in page
    assert 'value="day-3gb" checked' in page  # the form as sent
    not_theirs = client.post("/esims/9999/renew", data={"plan": "day-1gb", "promo": "", "csrf_token": token})
    assert not_theirs.status_code == 429 and "day-1gb" not in not_theirs.get_data(as_text=True)
    bought = post_form(client, "/buy", {"plan": "day-1gb", "promo": ""})
    assert bought.status_code == 429  # a new eSIM is an order too
    assert _orders(seeded) == 10


def test_repeating_one_intention_never_reaches_the_limit(client, auth, seeded):
    auth.login()
    url = f"/esims/{esim_of(seeded).id}/renew"
    token = csrf_token(client, url)
    answers = {client.post(url, data={"plan": "month-10gb", "promo": "", "csrf_token": token}).status_code}
    for _ in range(30):
        answers.add(
            client.post(url, data={"plan": "month-10gb", "promo": "", "csrf_token": token}).status_code
        )
    assert answers == {303} and _orders(seeded) == 1
