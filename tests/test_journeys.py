"""The whole customer journey, run the same way on the simulated operator and on Airalo.

Buy a new eSIM, install it, see its usage, renew it, and be reminded before it
runs out: every step through HTTP (and the cron commands), with only the
operator changed underneath.
"""

import re
from datetime import timedelta

import pytest
from fakes import airalo_server
from support.helpers import body
from support.helpers import csrf_token
from support.helpers import deliver_async_order
from support.helpers import in_app
from support.helpers import post_form

from app.models import Esim
from app.models import Order
from app.models import Plan
from app.models import SimLine
from app.models import utcnow
from app.operators.simulated import SimulatedOperator


class Simulated:
    name = "simulated"

    def __init__(self, app):
        self.app = app

    def bought(self, client):
        """The simulated operator makes the eSIM at once: nothing to wait for."""

    def notice_low_data(self, client, esim):
        """The simulated operator sends no notices."""
        return None

    def install(self, esim):
        in_app(self.app, SimulatedOperator(self.app.config).mark_installed, esim.iccid)

    def expire_in(self, esim, days):
        when = utcnow() + timedelta(days=days)
        in_app(self.app, SimLine.update(expires_at=when).where(SimLine.iccid == esim.iccid).execute)


class Airalo:
    name = "airalo"

    def __init__(self, app, fake):
        self.app, self.fake = app, fake

    def bought(self, client):
        deliver_async_order(client, self.fake)  # Airalo's webhook brings the eSIM of the async order

    def notice_low_data(self, client, esim):
        """Airalo's "90%" low data notification ("Webhook definition"), signed as Airalo signs it."""
        notice = {"level": "90%", "package_name": "p", "remaining_percentage": 10, "iccid": esim.iccid}
        raw = airalo_server.compact(notice)
        headers = {"Content-Type": "application/json", "airalo-signature": airalo_server.sign(raw)}
        return client.post("/webhooks/airalo", data=raw, headers=headers)

    def install(self, esim):
        self.fake.sims[esim.iccid]["usage"].update(status="ACTIVE", expired_at=airalo_server._when(30))

    def expire_in(self, esim, days):
        self.fake.sims[esim.iccid]["usage"]["expired_at"] = airalo_server._when(days)


@pytest.fixture(params=["simulated", "airalo"])
def operator(request, seeded):
    if request.param == "simulated":
        return Simulated(seeded)
    fake, url = request.getfixturevalue("airalo_api")
    fake.reset()
    seeded.config.update(
        OPERATOR="airalo",
        AIRALO_API_BASE=url + "/v2",
        AIRALO_CLIENT_ID=airalo_server.CLIENT_ID,
        AIRALO_CLIENT_SECRET=airalo_server.CLIENT_SECRET,
        AIRALO_USAGE_INTERVAL=0,  # the journey reads usage several times within a minute
    )
    result = seeded.test_cli_runner().invoke(args=["sync-plans"])
    assert result.exit_code == 0, result.output
    # The demo plans are not Airalo's: a reseller switches them off (docs/airalo.md).
    in_app(seeded, Plan.update(active=False).where(Plan.operator_package == "").execute)
    return Airalo(seeded, fake)


def _monthly_plan(app):
    return in_app(
        app, lambda: Plan.select().where(Plan.active, Plan.kind == "monthly", Plan.days == 30).get()
    )


def _pay(client, location):
    paid = post_form(client, location, {"action": "pay"})
    back = client.get(paid.location.split("localhost", 1)[1])
    return client.get(back.location)  # the order page, which checks on the operator


def _last_order(app):
    return in_app(app, lambda: Order.select().order_by(Order.id.desc()).get())


def test_buy_install_use_renew_and_be_reminded(client, seeded, outbox, operator):
    plan = _monthly_plan(seeded)

    # Buy, as a visitor who registers in the same form.
    token = csrf_token(client, "/buy")
    response = client.post(
        "/buy",
        data={
            "plan": plan.code,
            "email": "vy@example.com",
            "password": "long-enough-pw",
            "confirm": "long-enough-pw",
            "language": "zh",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    _pay(client, response.location)
    operator.bought(client)
    order = _last_order(seeded)
    assert (order.kind, order.status) == ("new_esim", "fulfilled"), operator.name
    esim = in_app(seeded, Esim.get_by_id, order.esim_id)

    # The activation email leads to the install page with the eSIM's activation code.
    link = re.search(r"https?://\S+/install\?token=\S+", body(outbox.last())).group(0)
    install = client.get(link.split("5000", 1)[-1].split("localhost", 1)[-1], follow_redirects=True).get_data(
        as_text=True
    )
    code = f"LPA:1${esim.smdp_address}${esim.matching_id}"
    assert code in install and "<svg" in install
    assert "尚未安装" in client.get("/dashboard").get_data(as_text=True)  # not installed yet

    # Installed on the phone: the dashboard shows what is left.
    operator.install(esim)
    in_app(seeded, Esim.update(usage_read_at=None).where(Esim.id == esim.id).execute)
    dashboard = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert "Active" in dashboard and "Data left" in dashboard
    before = in_app(seeded, Esim.get_by_id, esim.id).expires_at
    assert before is not None

    # Renew: paid in test mode, applied by the operator, validity later than before.
    token = csrf_token(client, f"/esims/{esim.id}/renew")
    response = client.post(f"/esims/{esim.id}/renew", data={"plan": plan.code, "csrf_token": token})
    assert response.status_code == 303
    page = _pay(client, response.location).get_data(as_text=True)
    renewal = _last_order(seeded)
    assert (renewal.kind, renewal.status) == ("renewal", "fulfilled"), operator.name
    assert "Done: your plan is active" in page
    assert in_app(seeded, Esim.get_by_id, esim.id).expires_at > before

    # A second renewal within the minute goes through too (no rate-limited call stands in its way).
    response = post_form(client, f"/esims/{esim.id}/renew", {"plan": plan.code})
    _pay(client, response.location)
    assert _last_order(seeded).status == "fulfilled", operator.name

    # The operator's own low-data notice, where it sends one: one reminder that says the same.
    sent_before = len(outbox.messages())
    notice = operator.notice_low_data(client, esim)
    if notice is not None:
        assert notice.status_code == 200
        [reminder] = outbox.messages()[sent_before:]
        assert "90%" in reminder["Subject"]

    # Five days before expiry: one reminder, in the customer's language; a second run sends none.
    operator.expire_in(esim, 5)
    in_app(seeded, Esim.update(usage_read_at=None).where(Esim.id == esim.id).execute)
    sent_before = len(outbox.messages())
    assert "Sent 1 reminder(s)." in seeded.test_cli_runner().invoke(args=["send-reminders"]).output
    assert "Sent 0 reminder(s)." in seeded.test_cli_runner().invoke(args=["send-reminders"]).output
    reminder = outbox.messages()[sent_before:]
    assert [m["To"] for m in reminder] == ["vy@example.com"]
    assert f"/esims/{esim.id}/renew" in body(reminder[0])
