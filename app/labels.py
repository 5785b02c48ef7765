"""Message ids for money going back, shown by customer and support pages alike.

Templates translate them with _() in the render's own language; nothing here
reads a request, so services and emails may import it too.
"""


def N_(message):
    """Marks a message for extraction only: it is translated where it is shown."""
    return message


REFUND_REASON_LABELS = {
    "operator_failed": N_("The operator could not apply the plan"),
    "duplicate_payment": N_("A second payment for the same order"),
    "amount_mismatch": N_("A payment that did not match the order"),
    "staff": N_("Refund by our support team"),
}

REFUND_STATUS_LABELS = {
    "queued": N_("Being sent to your bank"),
    "pending": N_("On its way to you"),
    "succeeded": N_("Refunded"),
    "failed": N_("Refused by the bank: our support team will contact you"),
    "manual": N_("To be handed back in cash"),
}

PAYMENT_KIND_LABELS = {
    "order": N_("Paid the order"),
    "extra": N_("Extra payment (refunded)"),
    "mismatch": N_("Wrong amount (refunded)"),
}

# How a payment was made, as Stripe names it (payment method types and card brands), with the
# brands' own capitalisation; Chinese readers know some by their Chinese names.
PAYMENT_METHOD_NAMES = {
    "alipay": N_("Alipay"),
    "wechat_pay": N_("WeChat Pay"),
    "unionpay": N_("UnionPay"),
    "grabpay": "GrabPay",
    "paypal": "PayPal",
    "link": "Link",
    "visa": "Visa",
    "mastercard": "Mastercard",
    "amex": "American Express",
    "jcb": "JCB",
    "discover": "Discover",
    "diners": "Diners Club",
    "apple_pay": "Apple Pay",
    "google_pay": "Google Pay",
    "paynow": "PayNow",
    "promptpay": "PromptPay",
    "klarna": "Klarna",
    "us_bank_account": N_("US bank account"),
    "sepa_debit": N_("SEPA Direct Debit"),
}

# Who moved an order on, as support reads its history.
EVENT_SOURCE_LABELS = {
    "customer": N_("the customer"),
    "webhook": N_("the payment provider"),
    "return": N_("back from payment"),
    "agent": N_("an agent"),
    "system": N_("the system"),
}

DISPUTE_STATUS_LABELS = {
    "warning_needs_response": N_("Inquiry: needs a response"),
    "needs_response": N_("Needs a response"),
    "warning_under_review": N_("Inquiry under review"),
    "under_review": N_("Under review"),
    "warning_closed": N_("Inquiry closed"),
    "won": N_("Won"),
    "lost": N_("Lost"),
    "prevented": N_("Prevented"),
}
