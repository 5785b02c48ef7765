"""One confirmation email with the receipt per paid renewal, whatever retries, replays and sweeps follow."""

from support.helpers import body
from support.helpers import in_app
from support.helpers import translated
from support.payments import return_from
from support.payments import start_checkout
from support.payments import webhook

from app.models import Order
from app.models import OutgoingMail
from app.models import User
from app.services import fulfilment

SUBJECT = "Your eSIM is renewed: receipt for order %(number)s"


def _renewal_emails(app, order):
    return in_app(app, lambda: list(OutgoingMail.select().where(OutgoingMail.subject.contains(order.number))))


def test_a_paid_renewal_is_confirmed_once_in_the_customers_language(
    client, auth, fake_stripe, seeded, outbox
):
    in_app(seeded, User.update(language="zh").where(User.email == "demo@example.com").execute)
    auth.login()
    order, sid = start_checkout(client, seeded)
    fake_stripe.complete(sid)
    assert return_from(client, sid).status_code == 303
    assert (
        webhook(client, fake_stripe, "checkout.session.completed", sid, event_id="evt_1").status_code == 200
    )
    assert (
        webhook(client, fake_stripe, "checkout.session.completed", sid, event_id="evt_1").status_code == 200
    )
    assert (
        webhook(client, fake_stripe, "checkout.session.completed", sid, event_id="evt_2").status_code == 200
    )
    in_app(seeded, fulfilment.apply, order.id)
    in_app(seeded, fulfilment.follow, order.id, force=True)
    in_app(seeded, fulfilment.sweep)
    done = in_app(seeded, Order.get_by_id, order.id)
    assert done.status == "fulfilled"

    emails = _renewal_emails(seeded, order)
    assert len(emails) == 1
    assert emails[0].subject == translated(seeded, "zh", SUBJECT, number=order.number)
    text = body(outbox.last())
    assert translated(seeded, "zh", "New expiry date") in text
    assert f"/orders/{order.id}/receipt?lang=zh" in text and "•••• 0017" in text


def test_a_retry_after_the_renewal_was_applied_sends_nothing_more(client, auth, fake_stripe, seeded):
    auth.login()
    order, sid = start_checkout(client, seeded)
    fake_stripe.complete(sid)
    return_from(client, sid)
    assert len(_renewal_emails(seeded, order)) == 1
    for _ in range(3):
        in_app(seeded, fulfilment.apply, order.id)
        in_app(seeded, fulfilment.follow, order.id, force=True)
        webhook(client, fake_stripe, "checkout.session.completed", sid)
    assert len(_renewal_emails(seeded, order)) == 1
    assert (
        in_app(seeded, OutgoingMail.select().where(OutgoingMail.subject.contains("ready to install")).count)
        == 0
    )
