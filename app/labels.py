"""The words the portal shows for its codes: statuses, kinds, reasons, events.

Most tables hold message ids (N_), which a template translates with _() in the
render's own language: a lazy string is translated afresh on every use, which
costs a page more than a lookup in the catalog the render already holds. Nothing
here reads a request, so services and emails may import it too.
"""

from flask_babel import lazy_gettext as _l


def N_(message):
    """Marks a message for extraction only: it is translated where it is shown."""
    return message


# Each language is named in itself, as the switcher shows it.
LANGUAGES = {"en": "English", "km": "ភាសាខ្មែរ", "zh": "中文"}

REFUND_REASON_LABELS = {
    "operator_failed": N_("The operator could not apply the plan"),
    "duplicate_payment": N_("A second payment for the same order"),
    "late_payment": N_("A payment that arrived after the order had closed"),
    "amount_mismatch": N_("A payment that did not match the order"),
    "staff": N_("Refund by our support team"),
}

REFUND_STATUS_LABELS = {
    "queued": N_("Being sent to your bank"),
    "pending": N_("On its way to you"),
    "succeeded": N_("Refunded"),
    "failed": N_("Refused by the bank: our support team will contact you"),
    "manual": N_("To be handed back in cash"),
    "transfer": N_("To be sent back to your bank account"),
}

PAYMENT_KIND_LABELS = {
    "order": N_("Paid the order"),
    "extra": N_("Extra payment (refunded)"),
    "mismatch": N_("Wrong amount (refunded)"),
}

# How a payment was made, as Stripe names it (payment method types and card brands), with the
# brands' own capitalisation; Chinese readers know some by their Chinese names.
PAYMENT_METHOD_NAMES = {
    "khqr": N_("KHQR (bank app)"),
    "balance": N_("Balance"),
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
    "bank": N_("the bank (KHQR)"),
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


# Message ids, translated in templates: {{ _(STATE_LABELS[state]) }}.
PLAN_KIND_LABELS = {
    "daily": N_("Daily plans"),
    "monthly": N_("Monthly plans"),
    "yearly": N_("Yearly plans"),
}

STATE_LABELS = {
    "not_installed": N_("Not installed yet"),
    "active": N_("Active"),
    "expiring": N_("Expiring soon"),
    "expired": N_("Expired"),
}

ORDER_STATUS_LABELS = {
    "pending": N_("Waiting for payment"),
    "paid": N_("Paid: sending it to the operator"),
    "applying": N_("Paid: the operator is applying your plan"),
    "fulfilled": N_("Done: your plan is active"),
    "cancelled": N_("Cancelled"),
    "expired": N_("Expired: it was not paid in time"),
    "failed": N_("The operator could not apply the plan"),
    "refunded": N_("Refunded"),
}

# A top-up buys no plan: what its order's status means to the customer, where it differs.
TOP_UP_STATUS_LABELS = {
    "paid": N_("Paid: adding it to your balance"),
    "applying": N_("Paid: adding it to your balance"),
    "fulfilled": N_("Done: your balance is topped up"),
}

DEVICE_NOTES = {
    "apple_china": _l(
        "Not the models sold in mainland China, Hong Kong or Macau: they have two physical SIM slots "
        "and no eSIM."
    ),
    "apple_china_mini": _l(
        "Models sold in Hong Kong and Macau have eSIM; those sold in mainland China do not."
    ),
    "ipad_cellular": _l("Wi-Fi + Cellular models only."),
    "samsung_region": _l(
        "Most models have eSIM, but not those sold in mainland China. "
        "Check Settings > Connections > SIM manager."
    ),
    "some_regions": _l("eSIM only in some regional versions: check the phone's settings before buying."),
    "pixel_region": _l("Phones bought from some carriers may have eSIM turned off."),
    "not_china": _l("The version sold in mainland China has no eSIM."),
    "huawei": _l("Only some international versions; no eSIM in models sold in mainland China."),
    "japan": _l("Japanese models: only phones bought unlocked (SIM-free)."),
}

REMINDER_LABELS = {
    "expiry_7d": _l("A week before expiry"),
    "expiry_1d": _l("A day before expiry"),
    "expiry_3d": _l("3 days before expiry"),
    "expiry_hours": _l("A few hours before expiry"),
    "data_75": _l("Data at 75%"),
    "data_80": _l("Data at 80%"),
    "data_90": _l("Data at 90%"),
}

AUDIT_LABELS = {
    "note": _l("Note"),
    "assisted_renewal": _l("Renewal made for the customer"),
    "registered_at_counter": _l("Registered at the counter"),
    "counter_sale": _l("Counter sale"),
    "cash_payment": _l("Cash payment recorded"),
    "refund": _l("Refund"),
    "refund_retry": _l("Refund sent again"),
    "refund_handed_back": _l("Cash refund handed back"),
    "refund_transfer_sent": _l("Bank refund sent"),
    "khqr_shown": _l("KHQR shown at the counter"),
    "resend_install": _l("Install email sent again"),
    "resend_receipt": _l("Receipt sent again"),
    "email_payment_link": _l("Payment link emailed"),
    "revealed_activation_code": _l("Activation code shown to the agent"),
    "customers_merged": _l("Another record of this customer merged into this one"),
    "balance_credit": _l("Balance credited"),
    "cash_top_up": _l("Balance topped up with cash"),
}

# Why a row of the balance was written, as the customer reads it.
BALANCE_REASON_LABELS = {
    "top_up": N_("Top-up"),
    "cash_top_up": N_("Top-up in cash"),
    "order_payment": N_("Paid an order"),
    "refund": N_("Refund to your balance"),
    "agent_credit": N_("Credit from our support team"),
    "top_up_refunded": N_("Top-up refunded"),
    "demo_credit": N_("Demo credit"),
}

# What each order event means to the customer; notes first, then the new status.
EVENT_LABELS = {
    "checkout_started": _l("Payment page opened"),
    "checkout_cancelled": _l("Payment cancelled at checkout"),
    "payment_processing": _l("Your bank is processing the payment"),
    "payment_failed": _l("The payment failed"),
    "cancelled_by_customer": _l("You cancelled the order"),
    "amount_mismatch": _l("The payment did not match the order: it is being refunded"),
    "duplicate_payment": _l("A second payment arrived: it is being refunded"),
    "late_payment": _l("A payment arrived after the order had closed: it is being refunded"),
    "refund_operator_failed": _l("Refund started: the operator could not apply the plan"),
    "refund_duplicate_payment": _l("Refund started for the second payment"),
    "refund_late_payment": _l("Refund started for the late payment"),
    "refund_amount_mismatch": _l("Refund started for the payment that did not match"),
    "refund_staff": _l("Refund started by our support team"),
    "refunded_in_full": _l("Refunded in full"),
    "dispute": _l("The bank opened a dispute about this payment"),
    "replaced_by_new_order": _l("Replaced by a newer order"),
    "operator_refund_requested": _l("The unused eSIM was handed back to the operator"),
    "pending": _l("Order created"),
    "paid": _l("Payment received"),
    "applying": _l("Sent to the operator"),
    "fulfilled": _l("Plan applied by the operator"),
    "cancelled": _l("Cancelled"),
    "expired": _l("The payment page expired"),
    "failed": _l("The operator could not apply the plan"),
    "refunded": _l("Refunded"),
}
