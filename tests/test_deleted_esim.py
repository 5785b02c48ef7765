"""I deleted my eSIM: a fresh code where the operator allows it (the old one fails), the truth where not."""

import re
import threading
from datetime import timedelta

import pytest
from support.helpers import Auth
from support.helpers import body
from support.helpers import browser
from support.helpers import in_app
from support.helpers import make_customer
from support.helpers import post_form

from app.models import AuditLog
from app.models import Esim
from app.models import Order
from app.models import Payment
from app.models import Plan
from app.models import SimLine
from app.models import User
from app.models import utcnow
from app.operators import OperatorRefused
from app.operators import get_operator
from app.services import notifications
from app.services import reinstall
from app.services.demo import DEMO_ICCID


def _demo_esim(app):
    return in_app(app, lambda: Esim.get(Esim.iccid == DEMO_ICCID))


def _install_link_path(outbox):
    link = re.search(r"https?://\S+/install\?token=\S+", body(outbox.last())).group(0)
    return "/" + link.split("/", 3)[3]


def _download(app, esim):
    """A phone scanning the eSIM's activation code at the simulated SM-DP+."""
    return in_app(app, lambda: get_operator().download(esim.smdp_address, esim.matching_id))


def _reissue(client, esim):
    return post_form(client, f"/esims/{esim.id}/deleted", {}, page=f"/esims/{esim.id}/deleted")


def test_a_deleted_simulated_esim_is_reinstalled_with_a_new_code_while_the_old_one_fails(
    client, auth, seeded, outbox
):
    old = _demo_esim(seeded)
    in_app(seeded, notifications.send_install_link, old)
    old_link = _install_link_path(outbox)
    auth.login()
    page = client.get(f"/esims/{old.id}/deleted").get_data(as_text=True)
    assert "Give me a new activation code" in page and "2 more times" in page, page[page.find("<main") :]

    done = _reissue(client, old)
    assert done.status_code == 303 and done.location == f"/esims/{old.id}/install"
    install = client.get(done.location).get_data(as_text=True)
    new = _demo_esim(seeded)
    assert new.matching_id != old.matching_id and new.installed_at is None
    assert f"LPA:1${new.smdp_address}${new.matching_id}" in install
    assert old.matching_id not in install and "Here is a new activation code" in install

    with pytest.raises(OperatorRefused):
        _download(seeded, old)
    refused = browser(seeded).get(old_link, follow_redirects=True)
    assert refused.request.path == "/login" and "A newer install link" in refused.get_data(as_text=True)
    new_link = _install_link_path(outbox)
    assert "LPA:1$" in browser(seeded).get(new_link, follow_redirects=True).get_data(as_text=True)

    assert _download(seeded, new) == DEMO_ICCID
    assert in_app(seeded, AuditLog.select().where(AuditLog.action == "reissued_profile").count) == 1


def test_the_downloads_run_out_and_the_page_then_offers_a_refund_and_a_new_esim(client, auth, seeded):
    auth.login()
    for _ in range(2):
        assert _reissue(client, _demo_esim(seeded)).status_code == 303
        _download(seeded, _demo_esim(seeded))
        client.get(f"/esims/{_demo_esim(seeded).id}/usage")  # the portal reads that the phone installed it
    spent = _demo_esim(seeded)
    assert spent.installed_at is not None
    page = client.get(f"/esims/{spent.id}/deleted").get_data(as_text=True)
    assert "as many times as its operator allows" in page
    assert "/buy?plan=month-10gb" in page and "Give me a new activation code" not in page

    refused = _reissue(client, spent)
    assert refused.status_code == 303 and refused.location == f"/esims/{spent.id}/deleted"
    assert "cannot be downloaded again" in client.get(refused.location).get_data(as_text=True)
    assert _demo_esim(seeded).matching_id == spent.matching_id


def test_the_page_is_the_owners_only_and_changes_need_a_post_with_its_token(client, seeded):
    esim = _demo_esim(seeded)
    make_customer(seeded)
    Auth(client).login("other@example.com", "other-pass-1234")
    assert client.get(f"/esims/{esim.id}/deleted").status_code == 404
    assert _reissue(client, esim).status_code == 404
    Auth(client).logout()
    Auth(client).login()
    assert client.post(f"/esims/{esim.id}/deleted").status_code == 400  # no CSRF token
    assert _demo_esim(seeded).matching_id == esim.matching_id


def test_the_install_page_warns_to_turn_the_esim_off_instead(client, auth, seeded):
    auth.login()
    esim_page = client.get(f"/esims/{_demo_esim(seeded).id}").get_data(as_text=True)
    assert f'href="/esims/{_demo_esim(seeded).id}/deleted"' in esim_page
    assert "<a" not in esim_page.split("<title>", 1)[1].split("</title>", 1)[0]
    page = client.get(f"/esims/{_demo_esim(seeded).id}/install").get_data(as_text=True)
    assert "Turn the eSIM off instead of deleting it" in page


def _installed_airalo_esim(app):
    def create():
        user = User.by_email("demo@example.com")
        plan = Plan.get(Plan.code == "month-10gb")
        esim = Esim.create(
            user=user,
            iccid="8937204017000000017",
            plan=plan,
            matching_id="M",
            smdp_address="s",
            installed_at=utcnow(),
            expires_at=utcnow() + timedelta(days=20, hours=1),
        )
        order = Order.create(
            number="ORD-DELETED-1",
            user=user,
            esim=esim,
            plan=plan,
            kind="new_esim",
            status="fulfilled",
            price_cents=plan.price_cents,
            amount_cents=plan.price_cents,
            paid_at=utcnow(),
        )
        Payment.create(
            order=order,
            provider="cash",
            session_ref="cash-ORD-DELETED-1",
            amount_cents=plan.price_cents,
            currency="USD",
            kind="order",
        )
        return esim, order

    return in_app(app, create)


def test_airalo_says_the_profile_cannot_be_downloaded_again_and_offers_a_refund_and_a_new_esim(
    client, auth, fake_airalo, seeded
):
    esim, order = _installed_airalo_esim(seeded)
    auth.login()
    page = client.get(f"/esims/{esim.id}/deleted").get_data(as_text=True)
    assert "does not let a deleted profile be downloaded again" in page
    assert "20 days of validity left" in page
    ask = f"/orders/{order.id}/refund-request?reason=deleted_esim"
    assert ask in page.replace("&amp;", "&") and "Ask for a refund (reason: deleted eSIM)" in page
    form = client.get(ask).get_data(as_text=True)
    assert 'value="deleted_esim" checked' in form
    assert "/buy?plan=month-10gb" in page and "at the same price" in page
    assert "Give me a new activation code" not in page

    refused = _reissue(client, esim)
    assert refused.status_code == 303 and refused.location == f"/esims/{esim.id}/deleted"
    assert in_app(seeded, Esim.get_by_id, esim.id).matching_id == "M"


def test_five_presses_at_once_issue_one_new_code(seeded, outbox):
    esim = _demo_esim(seeded)
    results, errors = [], []
    barrier = threading.Barrier(5)

    def press():
        try:
            barrier.wait()
            results.append(in_app(seeded, reinstall.reissue, esim).matching_id)
        except reinstall.NotReissued as refused:
            results.append(refused.reason)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=press) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(results).count("refused") == 4
    assert _demo_esim(seeded).matching_id in results
    assert in_app(seeded, lambda: SimLine.get(SimLine.iccid == DEMO_ICCID).profiles_issued) == 2
    assert in_app(seeded, AuditLog.select().where(AuditLog.action == "reissued_profile").count) == 1
    assert len(outbox.messages()) == 1
