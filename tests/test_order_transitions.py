"""services/orders.py's transition table is the only way an order's status moves."""

import itertools

import pytest
from support.helpers import in_app

from app.models import Order
from app.models import OrderEvent
from app.models import OrderStatus
from app.models import Plan
from app.models import User
from app.services import orders
from app.services.demo import DEMO_CUSTOMER

REFUSED = [
    (before, after)
    for before, after in itertools.product(OrderStatus, OrderStatus)
    if after not in orders.TRANSITIONS.get(before, ())
]


def _order_in(status):
    order = orders.place_order(
        User.get(User.email == DEMO_CUSTOMER[0]), Plan.select().order_by(Plan.id).first()
    )
    Order.update(status=status).where(Order.id == order.id).execute()
    return Order.get_by_id(order.id)


def test_the_table_is_the_documented_life_of_an_order():
    assert orders.TRANSITIONS == {
        OrderStatus.PENDING: {OrderStatus.PAID, OrderStatus.CANCELLED, OrderStatus.EXPIRED},
        OrderStatus.PAID: {OrderStatus.APPLYING, OrderStatus.FAILED},
        OrderStatus.APPLYING: {OrderStatus.FULFILLED, OrderStatus.FAILED},
        OrderStatus.FAILED: {OrderStatus.REFUNDED},
    }


@pytest.mark.parametrize(("before", "after"), REFUSED, ids=str)
def test_a_move_outside_the_table_is_refused(before, after):
    # Refused before any query: an order that is not even stored gets the same answer.
    assert orders.move(Order(id=1, status=before), before, after, "system") is False


def test_a_refused_move_leaves_the_order_and_its_history_as_they_were(app, seeded):
    def attempt_each():
        order = _order_in(OrderStatus.PENDING)
        moved = []
        for before, after in REFUSED:
            Order.update(status=before).where(Order.id == order.id).execute()
            events = OrderEvent.select().where(OrderEvent.order == order.id).count()
            if orders.move(order, before, after, "system") or Order.get_by_id(order.id).status != before:
                moved.append((before, after))
            if OrderEvent.select().where(OrderEvent.order == order.id).count() != events:
                moved.append((before, after, "event"))
        return moved

    assert in_app(app, attempt_each) == []


def test_a_move_in_the_table_is_made_once(app, seeded):
    def attempt():
        order = _order_in(OrderStatus.FAILED)
        first = orders.mark_refunded(order, "system")
        second = orders.mark_refunded(order, "system")
        return first, second, Order.get_by_id(order.id).status

    assert in_app(app, attempt) == (True, False, OrderStatus.REFUNDED)
