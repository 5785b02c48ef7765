"""What an agent is told when an action cannot be done, by the reason the service gives."""

from flask_babel import gettext as _

ERRORS = {
    "bad_choice": lambda: _("Please choose one of the customer's eSIMs and a plan."),
    "no_contact": lambda: _("Please give the customer's email or phone number."),
    "not_a_customer": lambda: _("That address belongs to a staff account."),
    "not_pending": lambda: _("This order is not waiting for payment."),
    "wrong_amount": lambda: _("The amount received must be the order's amount."),
    "not_failed": lambda: _("Only a failed order can be marked refunded."),
    "not_paid": lambda: _("This order has not been paid."),
    "no_mailbox": lambda: _("This customer has no email address: show them the QR code instead."),
    "bad_phone": lambda: _(
        "This is not a phone number we can use. Please check it, for example 012 345 678 or +855 12 345 678."
    ),
    "phone_on_two_customers": lambda: _(
        "Two customers have this phone number. Search for it and merge their records first."
    ),
    "phone_of_another_customer": lambda: _(
        "This phone number is on another customer's record. Leave the email empty to sell to that "
        "customer, or search for the number to check who it is."
    ),
}
