"""What support agents do for customers; every action is written to the audit log."""

import json
import secrets

from peewee import PostgresqlDatabase

from app import phones
from app.extensions import db
from app.models import AuditLog
from app.models import Esim
from app.models import Order
from app.models import OrderStatus
from app.models import Reminder
from app.models import User
from app.services import accounts
from app.services import customer_search
from app.services import history
from app.services import jobs
from app.services import notifications
from app.services import order_money
from app.services import orders
from app.services import payments
from app.services import renewal
from app.services import signed

SEARCH_MIN_LENGTH = customer_search.MIN_LENGTH
PLACEHOLDER_DOMAIN = "counter.invalid"  # customers registered at a counter with a phone only


class SupportError(Exception):
    """An agent's request that cannot be done; `reason` names which."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def audit(actor, customer, action, detail="", **facts):
    """Write who did what for which customer. `facts` (order, plan, esim, amount_cents, currency)
    are kept as data, so each reader sees them in their own language and format."""
    if facts:
        detail = json.dumps({**facts, "text": str(detail)[:1500]}, ensure_ascii=False)
    return AuditLog.create(actor=actor, customer=customer, action=action, detail=str(detail)[:2000])


def search(query, limit=20):
    """Customers by name, email, phone, ICCID (whole or last 4+ digits) or order number (or its start)."""
    return customer_search.search(query, limit)


def has_mailbox(user):
    """False for customers registered at a counter with a phone number only (and merged-away records)."""
    return not user.email.endswith(".invalid")


def readable_phone(phone):
    return phones.readable(phone)


def customer_label(user):
    """Who a customer is, as support reads it: the name, else the email; a customer with no mailbox
    by name and phone, never by the placeholder address."""
    if has_mailbox(user):
        return user.name or user.email
    phone = phones.readable(user.phone)
    return " · ".join(part for part in (user.name, phone) if part) or f"#{user.id}"


def overview(customer, orders_before=None, log_before=None):
    """What the customer page shows, a page of orders and of the audit log at a time (cursors)."""
    page = history.orders(customer.id, orders_before)
    reminders = list(
        Reminder.select(Reminder, Esim)
        .join(Esim)
        .where(Esim.user == customer)
        .order_by(Reminder.sent_at.desc(), Reminder.id.desc())
        .limit(history.PAGE_SIZE)
    )
    return {
        "esims": list(Esim.owned_by(customer)),
        "orders": page,
        "events": history.events_of(page.items),
        "reminders": reminders,
        "notes": history.audit_log(customer.id, action="note").items,
        "log": history.audit_log(customer.id, log_before),
        "owing": order_money.owing(page.items),
    }


def add_note(agent, customer, text):
    return audit(agent, customer, "note", text.strip())


def assisted_renewal(agent, customer, esim_id, plan_code):
    """A pending renewal order made by `agent` for one of the customer's eSIMs."""
    esim = Esim.get_or_none(Esim.id == esim_id, Esim.user == customer)
    plan = renewal.find_plan(plan_code)
    if esim is None or plan is None:
        raise SupportError("bad_choice")
    order = orders.place_order(customer, plan, esim=esim, source="agent", assisted_by=agent)
    audit(agent, customer, "assisted_renewal", order=order.number, plan=plan.code, esim=esim.masked_iccid)
    return order


def customers_with_phone(number):
    """The customers whose phone is `number` (E.164), oldest first."""
    return list(
        User.select()
        .where(User.phone_digits == phones.digits(number), User.role == "customer")
        .order_by(User.id)
        .limit(2)
    )


def _counter_customer(agent, email, phone, name, language):
    """The customer at the counter: found by email, else by phone, or registered now.

    A phone on two customers' records is refused (support merges them first), and so is a new
    email with the phone of another customer: the sale never makes a second record for one phone.
    """
    email = (email or "").strip().lower()
    number = phones.e164(phone)
    if number is None:
        raise SupportError("bad_phone")
    if not email and not number:
        raise SupportError("no_contact")
    existing = User.by_email(email) if email else None
    if existing is not None:
        if existing.role != "customer":
            raise SupportError("not_a_customer")
        return existing
    same_phone = customers_with_phone(number) if number else []
    if len(same_phone) > 1:
        raise SupportError("phone_on_two_customers")
    if same_phone and email:
        raise SupportError("phone_of_another_customer")
    if same_phone:
        return same_phone[0]
    placeholder = f"phone-{number[1:]}-{secrets.token_hex(4)}@{PLACEHOLDER_DOMAIN}"
    customer = accounts.register(
        email or placeholder,
        secrets.token_urlsafe(24),  # they can choose their own by "forgot password"
        language=language,
        name=name or "",
        phone=number,
    )
    audit(agent, customer, "registered_at_counter", email or phones.readable(number))
    return customer


COUNTER_LOCK = 260018  # PostgreSQL advisory lock key: counter registrations, one at a time


def _one_registration_at_a_time():
    """Counter sales look up and register one after another, so a double tap or two agents
    serving one walk-in never make two records for one phone (or fail on one email)."""
    if isinstance(db.obj, PostgresqlDatabase):
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (COUNTER_LOCK,))
    else:  # SQLite: the write lock, taken before anything is read
        User.update(role=User.role).where(User.id == 0).execute()


def counter_sale(agent, email, phone, name, language, plan_code):
    """A new-eSIM order for the customer at the counter, registering them if needed: all or nothing,
    so a refused sale leaves no customer and no audit entry behind."""
    plan = renewal.find_plan(plan_code)
    if plan is None:
        raise SupportError("bad_choice")
    with db.atomic():
        _one_registration_at_a_time()
        customer = _counter_customer(agent, email, phone, name, language)
        order = orders.place_order(customer, plan, source="agent", assisted_by=agent)
        audit(agent, customer, "counter_sale", order=order.number, plan=plan.code)
    return order


def record_cash(agent, order, amount_cents):
    """Cash taken at the counter: it must be the order's amount; then fulfilled as paid."""
    if order.status != OrderStatus.PENDING:
        raise SupportError("not_pending")
    if amount_cents != order.amount_cents:
        raise SupportError("wrong_amount")
    with jobs.transaction():
        if not payments.take_cash(order, "agent"):
            raise SupportError("not_pending")
        audit(
            agent,
            order.user,
            "cash_payment",
            order=order.number,
            amount_cents=amount_cents,
            currency=order.currency,
        )
    return Order.get_by_id(order.id)


def renewals_short_of_promise(limit=50):
    """Renewals the operator applied short of what their summary promised, newest first."""
    return list(Order.short_of_promise().limit(limit))


def mark_refunded(admin, order):
    if not orders.mark_refunded(order, "agent", note=f"by {admin.email}"):
        raise SupportError("not_failed")
    audit(admin, order.user, "refund", order.number)


def reveal_activation_code(agent, order):
    """Note that `agent` was shown the activation code of the order's new eSIM; False when there is
    none to show (not a fulfilled new eSIM, or already installed)."""
    esim = order.esim if order.esim_id else None
    if order.status != OrderStatus.FULFILLED or esim is None or esim.installed_at is not None:
        return False
    audit(agent, order.user, "revealed_activation_code", order=order.number, esim=esim.masked_iccid)
    return True


def resend_install(agent, esim):
    notifications.send_install_link(esim)
    audit(agent, esim.user, "resend_install", esim.masked_iccid)


def resend_receipt(agent, order):
    if order.paid_at is None:
        raise SupportError("not_paid")
    notifications.send_receipt(order)
    audit(agent, order.user, "resend_receipt", order.number)


def show_khqr(agent, order, return_url, lang):
    """A KHQR for the order on the agent's screen, for the customer's bank app; audited.

    Returns the code's MD5 (its id); raises SupportError when the order is not waiting for
    payment, PaymentError when no code can be made.
    """
    if order.status != OrderStatus.PENDING:
        raise SupportError("not_pending")
    session = payments.start_checkout(
        order, return_url, return_url, lang=lang, method=payments.KHQR, source="agent"
    )
    if session is None:  # a free order: paid at once, no code to show
        raise SupportError("not_pending")
    audit(
        agent,
        order.user,
        "khqr_shown",
        order=order.number,
        amount_cents=order.amount_cents,
        currency=order.currency,
    )
    return session.id


def placed_by_an_agent(order):
    """An order made at the counter or as an assisted renewal (its payment link is the agent's to give)."""
    return order.assisted_by_id is not None


def email_payment_link(agent, order, link):
    """The payment link, to the customer's own address; only while the order waits for payment
    (a paid order's link would lead to its eSIM)."""
    if order.status != OrderStatus.PENDING:
        raise SupportError("not_pending")
    if not has_mailbox(order.user):
        raise SupportError("no_mailbox")
    notifications.send_payment_link(order, link)
    audit(agent, order.user, "email_payment_link", order.number)


def payment_token(order):
    return signed.sign("payment-link", order.id)


def order_for_payment_token(token):
    """The order a payment link names, or None when it is forged or older than the payment window."""
    order_id = signed.unsign("payment-link", token, max_age=int(payments.PAYMENT_WINDOW.total_seconds()))
    return Order.get_or_none(Order.id == order_id) if isinstance(order_id, int) else None
