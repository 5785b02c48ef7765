"""Payments nobody told us about: the worker asks the provider.

A webhook and a customer's return can both be lost; the provider still knows. The expiry task
and the reconciler ask it about checkouts left unreported, and a completed one goes through
`settlement.settle` like its webhook, so it is fulfilled exactly once whoever reports it first.
"""

from flask import current_app

from app.payments import PaymentError
from app.services import settlement


def settle_reported(provider, session_ids, source="system"):
    """Ask `provider` about checkouts we heard nothing from; returns the ids of those that ran out unpaid.

    A completed one goes through `settle`, exactly as its webhook would have (paid: fulfilled
    once; still processing: marked so, and never expired). A provider that polls (KHQR) is
    not asked again: what its own checks last found is settled, as they would have.
    """
    ran_out = set()
    for session_id in session_ids:
        try:
            session = provider.last_known(session_id) if provider.polls else provider.retrieve(session_id)
        except PaymentError as exc:
            current_app.logger.warning("checkout %s not checked: %s", session_id, exc)
            continue
        if session is None:
            continue
        if session.status == "complete":
            settlement.settle(session, source, provider.name)
        elif session.status == "expired":
            ran_out.add(session_id)
    return ran_out
