"""Auto-renew in tests: saving a card through Stripe's setup page, turning auto-renew on through
the eSIM's page, using data at the simulated operator, and the worker's pass."""

import threading
from datetime import timedelta

from app.models import AutoRenew
from app.models import Esim
from app.models import Order
from app.models import SimLine
from app.models import utcnow
from app.services import demo
from app.services import renewal_cycles
from app.services.demo import DEMO_ICCID
from support.helpers import in_app
from support.helpers import post_form
from support.payments import esim_of


def save_card(client, fake, outcome="succeeded", last4="4242"):
    """Tick the card terms on the profile, save a card on Stripe's setup page, come back."""
    response = post_form(client, "/cards/add", {"consent": "y"}, page="/profile")
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    assert response.location.startswith("https://checkout.stripe.com/c/pay/cs_test_")
    sid = response.location.rsplit("/", 1)[1]
    fake.complete_setup(sid, outcome, last4=last4)
    return client.get(f"/cards/return?session_id={sid}")


def turn_on(
    client,
    app,
    cap="20.00",
    data_below="10",
    hours_before="72",
    plan="month-10gb",
    iccid=DEMO_ICCID,
    funding="card",
):
    esim = esim_of(app, iccid)
    form = {
        "plan": plan,
        "data_below": data_below,
        "hours_before": hours_before,
        "cap": cap,
        "funding": funding,
        "consent": "y",
    }
    return post_form(client, f"/esims/{esim.id}/auto-renew", form, page=f"/esims/{esim.id}")


def use_data_until_left(app, percent_left, iccid=DEMO_ICCID):
    """The phone uses data until `percent_left` % of it is left (as the operator reports it)."""
    esim = esim_of(app, iccid)
    line = in_app(app, SimLine.get, SimLine.iccid == esim.iccid)
    target = line.data_total_mb * (100 - percent_left) // 100
    in_app(app, demo.simulate_usage, esim.id, max(1, target - line.data_used_mb))
    return esim_of(app, iccid)


def new_cycle(app, days=20):
    """The eSIM's period moves on (as after a renewal paid another way): its next cycle starts."""
    esim = esim_of(app)
    later = utcnow() + timedelta(days=days)

    def move():
        SimLine.update(expires_at=later).where(SimLine.iccid == esim.iccid).execute()
        Esim.update(expires_at=later).where(Esim.id == esim.id).execute()

    in_app(app, move)


def run_worker(app, now=None, batch=renewal_cycles.BATCH):
    return in_app(app, renewal_cycles.run_due, now, batch)


def setting(app):
    return in_app(app, lambda: AutoRenew.get(AutoRenew.esim == esim_of(app).id))


def renewal_orders(app):
    return in_app(app, lambda: list(Order.select().where(Order.esim == esim_of(app).id).order_by(Order.id)))


def race_two_workers_and_the_sweep(app, esim_id):
    """Two worker passes and the operator's notice renewing `esim_id` at once; the errors raised."""
    barrier, errors = threading.Barrier(3), []

    def run(job):
        barrier.wait()
        try:
            job()
        except Exception as exc:  # noqa: BLE001 - returned to the test
            errors.append(exc)

    jobs = [
        lambda: run_worker(app),
        lambda: run_worker(app),
        lambda: in_app(app, renewal_cycles.renew_esim, esim_id),
    ]
    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
