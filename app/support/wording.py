"""Agent pages speak of the customer ("the plan", "the customer's bank"), where the customer's pages
say "your": the same codes, worded for the person reading them at the counter."""

from flask_babel import gettext

from app import labels
from app import text
from app.labels import N_
from app.support import bp

ORDER_STATUS_LABELS = {
    **labels.ORDER_STATUS_LABELS,
    "applying": N_("Paid: the operator is applying the plan"),
    "fulfilled": N_("Done: the plan is active"),
}

REFUND_STATUS_LABELS = {
    **labels.REFUND_STATUS_LABELS,
    "queued": N_("Being sent to the customer's bank"),
    "pending": N_("On its way to the customer"),
    "failed": N_("Refused by the bank: contact the customer"),
    "transfer": N_("To be sent back to the customer's bank account"),
}

# Notes whose customer wording says "you"; every other event reads the same to both.
EVENT_LABELS = {
    "payment_processing": N_("The customer's bank is processing the payment"),
    "cancelled_by_customer": N_("The customer cancelled the order"),
}


def agent_event_label(event):
    note_key = event.note.split(":", 1)[0]
    if note_key in EVENT_LABELS:
        return gettext(EVENT_LABELS[note_key])
    return text.event_label(event)


@bp.context_processor
def agent_wording():
    return {
        "AGENT_ORDER_STATUS_LABELS": ORDER_STATUS_LABELS,
        "AGENT_REFUND_STATUS_LABELS": REFUND_STATUS_LABELS,
        "agent_event_label": agent_event_label,
    }
