"""Demo data: the built-in plans, a demo customer with one active eSIM, an agent and promo codes."""

from datetime import timedelta

from flask import current_app

from app.extensions import db
from app.models import Esim
from app.models import Plan
from app.models import PromoCode
from app.models import SavedCard
from app.models import User
from app.models import utcnow
from app.operators.simulated import SimulatedOperator
from app.services import accounts
from app.services import balance
from app.services import cards
from app.services import payments
from app.services.catalogue_seed import seed_plans

DEMO_CUSTOMER = ("demo@example.com", "demo-pass-1234")
DEMO_AGENT = ("agent@example.com", "agent-pass-1234")
DEMO_ICCID = "8985501000000000017"
DEMO_BALANCE_CENTS = 1500


def seed_promos():
    # A welcome: once per customer (renewals included).
    PromoCode.get_or_create(code="WELCOME10", defaults=dict(kind="percent", value=10, per_customer=1))
    PromoCode.get_or_create(
        code="BONUS5GB", defaults=dict(kind="bonus_data", value=5 * 1024, plan_kinds="monthly,yearly")
    )


def _user(email, password, role, **extra):
    user = User.by_email(email)
    return user or accounts.register(email, password, role=role, **extra)


def seed():
    """Load everything; running it again adds nothing."""
    with db.atomic():
        seed_plans()
        seed_promos()
        customer = _user(*DEMO_CUSTOMER, "customer", name="Demo Traveller", phone="+855 12 345 678")
        _user(*DEMO_AGENT, "agent", name="Support Agent")
        if not Esim.select().where(Esim.iccid == DEMO_ICCID).exists():
            add_esim(
                customer,
                DEMO_ICCID,
                label="iPhone",
                plan=Plan.get(Plan.code == "month-10gb"),
                days_left=20,
                data_used_mb=3 * 1024 + 300,
                minutes_used=12,
            )
        if payments.test_mode() and not SavedCard.select().where(SavedCard.user == customer.id).exists():
            cards.save_test_card_for(customer)  # the demo customer can turn auto-renew on at once


def seed_balance():
    """Some balance for the demo customer (one ledger credit, whose key makes a re-seed add nothing),
    so that auto-renew can be paid from it at once."""
    customer = User.by_email(DEMO_CUSTOMER[0])
    return balance.credit(
        customer, DEMO_BALANCE_CENTS, "demo_credit", f"demo-balance-{customer.id}", note="Demo balance"
    )


def add_esim(
    user,
    iccid,
    label="",
    plan=None,
    days_left=30,
    data_used_mb=0,
    minutes_used=0,
    installed=True,
    matching_id=None,
):
    """An installed eSIM for `user`, known to the simulated operator with the same figures."""
    now = utcnow()
    line = dict(
        installed_at=now - timedelta(days=10) if installed else None,
        expires_at=now + timedelta(days=days_left),
        data_total_mb=plan.data_mb if plan else 0,
        data_used_mb=data_used_mb,
        minutes_total=plan.minutes if plan else 0,
        minutes_used=minutes_used,
    )
    # Demo lines live at the embedded operator, whichever one is configured.
    simulated = SimulatedOperator(current_app.config)
    matching_id = matching_id or "DEMO-" + iccid[-8:]
    simulated.add_line(iccid, matching_id, counted_at=now, **line)
    return Esim.create(
        user=user,
        iccid=iccid,
        label=label,
        smdp_address=simulated.smdp_address,
        matching_id=matching_id,
        plan=plan,
        usage_read_at=now,
        **line,
    )


def simulate_usage(esim_id, data_mb):
    """The simulated operator records `data_mb` more used on the eSIM; its reading is refreshed.

    Test and demo only (the embedded operator's lines); returns the eSIM, or None if unknown."""
    from app.services import usage

    esim = Esim.get_or_none(Esim.id == esim_id)
    if esim is None:
        return None
    SimulatedOperator(current_app.config).consume(esim.iccid, data_mb)
    usage.refresh([esim], force=True)
    return esim
