"""Migration 030 makes an order's plan optional without touching the rows already there.

On SQLite the usual way (a new table, the old one dropped) would cascade to the orders' events and
payments with foreign keys on; this holds that they all survive, on a database that has orders.
"""

from peewee_migrate import Router

from app.database import MIGRATIONS_DIR
from app.database import open_database

BEFORE = "024_mail_claim_holder"


def _rows(database, table):
    return database.execute_sql(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def _insert(database, table, **values):
    names = ", ".join(values)
    marks = ", ".join("?" for _value in values)
    database.execute_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(values.values()))


DAY = "2026-01-01"
ORDER = dict(
    user_id=1,
    status="fulfilled",
    price_cents=500,
    discount_cents=0,
    amount_cents=500,
    currency="USD",
    bonus_data_mb=0,
    provider="cash",
    provider_ref="",
    payment_method="cash",
    operator_ref="",
    failure_reason="",
    created_at=DAY,
    updated_at=DAY,
    payment_note="",
    attempts=0,
    operator_shortfall="",
)


def test_making_the_plan_optional_keeps_every_order_and_what_hangs_on_it(tmp_path):
    database = open_database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    router = Router(database, migrate_dir=str(MIGRATIONS_DIR), ignore=["basemodel"])
    router.run(BEFORE)
    user = dict(password_hash="x", name="", phone="", phone_digits="", language="en", role="customer")
    _insert(database, "users", email="a@example.com", created_at=DAY, **user)
    plan = dict(kind="monthly", days=30, data_mb=1024, minutes=0, price_cents=500, currency="USD")
    more = dict(activation_policy="", rechargeable=1, apn="")
    _insert(database, "plans", code="p", active=1, operator_package="", sort=0, **plan, **more)
    _insert(database, "orders", number="R1", plan_id=1, kind="renewal", **ORDER)
    _insert(
        database,
        "order_events",
        order_id=1,
        from_status="",
        to_status="paid",
        source="agent",
        note="",
        created_at=DAY,
    )
    payment = dict(
        intent_ref="", amount_cents=500, currency="USD", kind="order", received_at=DAY, refunded_cents=0
    )
    _insert(database, "payments", order_id=1, provider="cash", session_ref="cash-R1", **payment)

    assert "030_balance" in router.run()

    assert (_rows(database, "orders"), _rows(database, "order_events"), _rows(database, "payments")) == (
        1,
        1,
        1,
    )
    assert database.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert database.execute_sql("PRAGMA foreign_key_check").fetchall() == []
    _insert(database, "orders", number="R2", plan_id=None, kind="top_up", **{**ORDER, "status": "pending"})
    assert _rows(database, "orders") == 2
    database.close_all()
