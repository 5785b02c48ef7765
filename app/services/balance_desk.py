"""What agents do to a customer's balance: an admin's credit, and cash taken at the counter.

Each act is written to the audit log in the transaction that moves the money.
"""

import secrets

from app.models import Order
from app.services import balance
from app.services import jobs
from app.services import payments
from app.services.support import audit


def credit_by_admin(admin, customer, amount_cents, reason):
    """An admin adds to a customer's balance, with a reason the customer reads; audited.
    Raises BalanceError("not_allowed") for anyone but an admin, ("bad_amount") outside the limit."""
    if admin.role != "admin":
        raise balance.BalanceError("not_allowed")
    if not 0 < amount_cents <= balance.CREDIT_MAX_CENTS:
        raise balance.BalanceError("bad_amount")
    with jobs.transaction():
        row = balance.credit(
            customer,
            amount_cents,
            "agent_credit",
            f"credit-{customer.id}-{secrets.token_hex(8)}",
            agent=admin,
            note=reason,
        )
        audit(admin, customer, "balance_credit", reason, amount_cents=amount_cents, currency=row.currency)
    return row


def cash_top_up(agent, customer, amount_cents):
    """Cash taken at the counter tops the balance up: a top-up order paid in cash (the worker then
    credits it, once), audited. Raises BalanceError("bad_amount") outside the top-up limits."""
    with jobs.transaction():
        order = balance.place_top_up(customer, amount_cents, source="agent", assisted_by=agent)
        if not payments.take_cash(order, "agent"):
            raise balance.BalanceError("not_payable")
        audit(
            agent,
            customer,
            "cash_top_up",
            order=order.number,
            amount_cents=amount_cents,
            currency=order.currency,
        )
    return Order.get_by_id(order.id)
