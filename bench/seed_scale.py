"""A database of N customers as the portal would have them, built with bulk inserts.

    .venv/bin/python bench/seed_scale.py 100000 [DATABASE_URL]

Per customer on average: 1.5 eSIMs (daily, monthly and yearly plans; most installed,
a third expired; usage and expiry spread over each plan's length), 5 orders (most
fulfilled; a quarter of an order per customer abandoned in checkout a day ago, half
of those with a test checkout that ran out, the rest never opened), two events per
order, and the reminders a steady hourly run would already have sent. Customer 1
("heavy@scale.example.com") has 20 eSIMs and 300 orders. The simulated operator's lines
match the eSIMs. Deterministic (seeded random), so each run builds the same data.
"""

import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from werkzeug.security import generate_password_hash  # noqa: E402

from app.extensions import db  # noqa: E402
from app.models import Plan  # noqa: E402
from app.models import phone_digits  # noqa: E402
from app.models import utcnow  # noqa: E402
from app.services import demo  # noqa: E402
from app.services import expiry_steps  # noqa: E402

PASSWORD = "scale-pass-1234"
HEAVY = ("heavy@scale.example.com", 20, 300)  # email, eSIMs, orders
FIRST = ["Sokha", "Dara", "Lin", "Maly", "Vanna", "Wei", "Ana", "Tom", "Sreymom", "Piseth", "Mei", "John"]
LAST = ["Chan", "Kim", "Sok", "Heng", "Lopez", "Wang", "Smith", "Chea", "Ly", "Nguyen", "Meas", "Brown"]
CHUNK = 2000


def bulk(table, columns, rows):
    """INSERT many rows at once: executemany on SQLite, multi-row VALUES on PostgreSQL."""
    if not rows:
        return
    names = ", ".join(columns)
    cursor = db.cursor()
    if db.param == "%s":
        from psycopg2.extras import execute_values

        for start in range(0, len(rows), CHUNK):
            execute_values(cursor, f"INSERT INTO {table} ({names}) VALUES %s", rows[start : start + CHUNK])
        return
    marks = ", ".join("?" for _ in columns)
    cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def order_number(serial):
    # A bijection of 32-bit numbers: unique, and spread like the app's random numbers.
    return "R%08X" % ((serial * 2654435761) % 2**32)


def _plans():
    plans = {p.code: p for p in Plan.select()}
    weighted = ["day-1gb"] * 2 + ["day-3gb"] + ["month-10gb"] * 5 + ["month-30gb"] * 3 + ["month-80gb"]
    weighted += ["year-150gb"] * 2
    return plans, weighted


def seed(n_customers, seed_value=20):
    """Fill a migrated, empty database; returns counts of what was made."""
    rng = random.Random(seed_value)
    now = utcnow()
    demo.seed()
    plans, weighted = _plans()
    password_hash = generate_password_hash(PASSWORD)
    counts = dict.fromkeys(["customers", "esims", "orders", "events", "reminders"], 0)
    first_user = db.execute_sql("SELECT COALESCE(MAX(id), 0) FROM users").fetchone()[0] + 1
    esim_id = db.execute_sql("SELECT COALESCE(MAX(id), 0) FROM esims").fetchone()[0]
    order_id = db.execute_sql("SELECT COALESCE(MAX(id), 0) FROM orders").fetchone()[0]
    block = 5000
    for start in range(0, n_customers, block):
        with db.atomic():
            users, esims, lines, orders, events, reminders, checkouts = [], [], [], [], [], [], []
            for index in range(start, min(n_customers, start + block)):
                user_id = first_user + index
                heavy = index == 0
                email = HEAVY[0] if heavy else f"c{index}@scale.example.com"
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                if index % 3 == 0:
                    phone = f"+855 {10 + index % 90} {index:07d}"[:17]
                elif index % 3 == 1:
                    phone = f"0{10 + index % 90} {index:07d}"
                else:
                    phone = f"+86 138 {index:08d}"
                created = now - timedelta(days=rng.uniform(1, 700))
                users.append(
                    (
                        user_id,
                        email,
                        password_hash,
                        name,
                        phone,
                        phone_digits(phone),
                        rng.choice(["en", "km", "zh"]),
                        "customer",
                        created,
                    )
                )
                n_esims = HEAVY[1] if heavy else (2 if index % 2 else 1)
                mine = []
                for _ in range(n_esims):
                    esim_id += 1
                    plan = plans[rng.choice(weighted)]
                    row, line, due = _esim(rng, now, esim_id, user_id, plan)
                    esims.append(row)
                    lines.append(line)
                    reminders += due
                    mine.append((esim_id, plan))
                n_orders = HEAVY[2] if heavy else rng.choice([3, 4, 5, 6, 7])
                open_ones = set()  # one pending order per eSIM and plan (a unique index holds it)
                for _ in range(n_orders):
                    order_id += 1
                    made = _order(rng, now, order_id, user_id, mine, created, open_ones)
                    orders.append(made[0])
                    events += made[1]
                    checkouts += made[2]
            bulk("users", USER_COLUMNS, users)
            bulk("esims", ESIM_COLUMNS, esims)
            bulk("sim_lines", LINE_COLUMNS, lines)
            bulk("orders", ORDER_COLUMNS, orders)
            bulk("order_events", EVENT_COLUMNS, events)
            bulk("test_checkouts", CHECKOUT_COLUMNS, checkouts)
            bulk("reminders", REMINDER_COLUMNS, reminders)
            for key, rows in (
                ("customers", users),
                ("esims", esims),
                ("orders", orders),
                ("events", events),
                ("reminders", reminders),
            ):
                counts[key] += len(rows)
    if db.param == "%s":
        db.execute_sql("SELECT setval('users_id_seq', (SELECT MAX(id) FROM users))")
        db.execute_sql("SELECT setval('esims_id_seq', (SELECT MAX(id) FROM esims))")
        db.execute_sql("SELECT setval('orders_id_seq', (SELECT MAX(id) FROM orders))")
    db.execute_sql("ANALYZE")
    return counts


USER_COLUMNS = [
    "id",
    "email",
    "password_hash",
    "name",
    "phone",
    "phone_digits",
    "language",
    "role",
    "created_at",
]
ESIM_COLUMNS = [
    "id",
    "user_id",
    "iccid",
    "iccid_reversed",
    "label",
    "smdp_address",
    "matching_id",
    "apple_install_url",
    "plan_id",
    "installed_at",
    "expires_at",
    "data_total_mb",
    "data_used_mb",
    "minutes_total",
    "minutes_used",
    "usage_read_at",
    "created_at",
    "install_link_version",
]
LINE_COLUMNS = [
    "iccid",
    "smdp_address",
    "matching_id",
    "installed_at",
    "expires_at",
    "data_total_mb",
    "data_used_mb",
    "minutes_total",
    "minutes_used",
    "counted_at",
    "profiles_issued",
]
ORDER_COLUMNS = [
    "id",
    "number",
    "user_id",
    "esim_id",
    "plan_id",
    "kind",
    "status",
    "price_cents",
    "discount_cents",
    "amount_cents",
    "currency",
    "bonus_data_mb",
    "provider",
    "provider_ref",
    "payment_method",
    "operator_ref",
    "failure_reason",
    "payment_note",
    "created_at",
    "updated_at",
    "paid_at",
    "fulfilled_at",
    "attempts",
    "operator_shortfall",
]
EVENT_COLUMNS = ["order_id", "from_status", "to_status", "source", "note", "created_at"]
CHECKOUT_COLUMNS = [
    "session_id",
    "order_id",
    "amount_cents",
    "currency",
    "status",
    "payment_status",
    "success_url",
    "cancel_url",
    "created_at",
    "expires_at",
    "payment_intent",
]
REMINDER_COLUMNS = ["esim_id", "kind", "cycle", "cycle_end", "sent_at"]


def _esim(rng, now, esim_id, user_id, plan):
    """An eSIM row, its operator line, and the reminders a steady run would have sent already."""
    iccid = f"8985520{esim_id:012d}"
    length = timedelta(days=plan.days)
    installed = rng.random() > 0.05
    if not installed:
        expires = None
    elif rng.random() < 0.33:
        expires = now - rng.uniform(0, 1) * 10 * length  # expired some time ago
    else:
        expires = now + rng.uniform(0, 1) * length
    used = int(plan.data_mb * min(1.0, rng.betavariate(2, 2.2))) if installed else 0
    read_at = now - timedelta(minutes=rng.uniform(0, 300)) if installed else None
    installed_at = (expires - length) if expires else None
    row = (
        esim_id,
        user_id,
        iccid,
        iccid[::-1],
        "",
        "sm-dp.example",
        f"M{esim_id}",
        "",
        plan.id,
        installed_at,
        expires,
        plan.data_mb,
        used,
        plan.minutes,
        0,
        read_at,
        installed_at or now,
        0,
    )
    line = (
        iccid,
        "sm-dp.example",
        f"M{esim_id}",
        installed_at,
        expires,
        plan.data_mb,
        used,
        plan.minutes,
        0,
        now,
        1,
    )
    due = []
    if expires and expires > now:
        left = expires - now
        kind = expiry_steps.step_due(plan.days, left)
        # Sent by the previous hourly run when it was due then too; otherwise this run sends it.
        if kind and expiry_steps.step_due(plan.days, left + timedelta(hours=1)) == kind:
            due.append((esim_id, kind, expires.isoformat(), expires, now - timedelta(hours=1)))
        if used * 100 // plan.data_mb >= 80 and rng.random() > 0.02:
            due.append((esim_id, "data_80", expires.isoformat(), expires, now - timedelta(hours=2)))
    return row, line, due


def _order(rng, now, order_id, user_id, mine, since, open_ones):
    """An order with its events; a test checkout for an abandoned one that opened checkout."""
    esim_id, plan = rng.choice(mine)
    created = since + (now - since) * rng.random()
    roll = rng.random()
    if roll < 0.05 and (esim_id, plan.id) in open_ones:
        roll = 0.1
    if roll < 0.05:
        open_ones.add((esim_id, plan.id))
    checkouts = []
    if roll < 0.05:  # abandoned a day ago: expire-orders' work
        created = now - timedelta(hours=rng.uniform(25, 30))
        status, provider, ref = "pending", "", ""
        if rng.random() < 0.5:
            provider, ref = "test", f"cs_scale_{order_id}"
            checkouts.append(
                (
                    ref,
                    order_id,
                    plan.price_cents,
                    "USD",
                    "open",
                    "unpaid",
                    "-",
                    "-",
                    created,
                    created + timedelta(minutes=31),
                    "",
                )
            )
    elif roll < 0.12:
        status, provider, ref = rng.choice(["expired", "cancelled"]), "test", ""
    elif roll < 0.121:
        status, provider, ref = "applying", "test", ""
    else:
        status, provider, ref = "fulfilled", "test", f"cs_done_{order_id}"
    paid = created + timedelta(minutes=2) if status in ("fulfilled", "applying") else None
    row = (
        order_id,
        order_number(order_id),
        user_id,
        esim_id,
        plan.id,
        "renewal",
        status,
        plan.price_cents,
        0,
        plan.price_cents,
        "USD",
        0,
        provider,
        ref,
        "test" if paid else "",
        "",
        "",
        "",
        created,
        paid or created,
        paid,
        paid + timedelta(minutes=1) if status == "fulfilled" else None,
        0,
        "",
    )
    events = [(order_id, "", "pending", "customer", "", created)]
    if status != "pending":
        events.append((order_id, "pending", status, "webhook", "", paid or created + timedelta(minutes=31)))
    return row, events, checkouts


def main():
    from app import create_app
    from app.database import migrate

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{ROOT}/instance/scale-{n}.sqlite3"
    app = create_app(
        {
            "DATABASE_URL": url,
            "PAYMENTS": "test",
            "SECRET_KEY": "scale",
            "PUBLIC_URL": "http://127.0.0.1:5000",
        }
    )
    with app.app_context():
        migrate()
        started = time.monotonic()
        counts = seed(n)
        print(f"seeded {counts} into {url} in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
