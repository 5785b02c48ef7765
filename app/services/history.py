"""Long lists read a page at a time, newest first: keyset pagination on (created_at, id).

A page is the PAGE_SIZE rows before a cursor (the id of the last row shown), so
reading page 50 costs what page 1 does, whatever a customer's history holds.
"""

from dataclasses import dataclass

from peewee import JOIN

from app.models import AuditLog
from app.models import Order
from app.models import OrderEvent
from app.models import Plan
from app.models import User

PAGE_SIZE = 20


@dataclass(frozen=True)
class Page:
    items: list
    older: int | None  # the cursor of the next (older) page; None on the last one


def _page(query, model, anchor, size):
    if anchor is not None:
        query = query.where(
            (model.created_at < anchor.created_at)
            | ((model.created_at == anchor.created_at) & (model.id < anchor.id))
        )
    rows = list(query.order_by(model.created_at.desc(), model.id.desc()).limit(size + 1))
    return Page(rows[:size], rows[size - 1].id if len(rows) > size else None)


def orders(user_id, before=None, size=PAGE_SIZE):
    """A page of the customer's orders (with their plans); `before` is a cursor from an earlier page."""
    anchor = None
    if before is not None:
        mine = (Order.id == before) & (Order.user == user_id)
        anchor = Order.select(Order.id, Order.created_at).where(mine).first()
    query = Order.select(Order, Plan).join(Plan, JOIN.LEFT_OUTER).switch(Order).where(Order.user == user_id)
    return _page(query, Order, anchor, size)


def events_of(orders):
    """Each order's events, oldest first, read in one query: {order id: [event, ...]}."""
    events = {}
    if orders:
        for event in (
            OrderEvent.select()
            .where(OrderEvent.order.in_([o.id for o in orders]))
            .order_by(OrderEvent.created_at, OrderEvent.id)
        ):
            events.setdefault(event.order_id, []).append(event)
    return events


def audit_log(customer_id, before=None, size=PAGE_SIZE, action=None):
    """A page of what staff did for the customer (only notes, with `action="note"`)."""
    anchor = None
    if before is not None:
        anchor = (
            AuditLog.select(AuditLog.id, AuditLog.created_at)
            .where(AuditLog.id == before, AuditLog.customer == customer_id)
            .first()
        )
    query = (
        AuditLog.select(AuditLog, User)
        .join(User, on=(AuditLog.actor == User.id))
        .where(AuditLog.customer == customer_id)
    )
    if action:
        query = query.where(AuditLog.action == action)
    return _page(query, AuditLog, anchor, size)
