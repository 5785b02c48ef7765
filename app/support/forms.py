"""Support forms; every message is translated lazily, at render time."""

from decimal import ROUND_HALF_UP
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField
from wtforms import IntegerField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange

from app.services import catalogue
from app.web.fields import email_field
from app.web.fields import language_field
from app.web.fields import name_field
from app.web.fields import phone_field
from app.web.forms import Form


class MoneyField(DecimalField):
    """An amount in US dollars as an agent types it ("5", "5.00"), from a cent up to a bound;
    anything else is refused with the one plain `message`. `cents` is the amount in whole cents."""

    def __init__(self, label, message, max_value=100000, **kwargs):
        # Decimal bounds: a float 0.01 is a hair above a cent, so Decimal("0.01") would fall short of it.
        bounds = NumberRange(min=Decimal("0.01"), max=Decimal(max_value), message=message)
        validators = [DataRequired(message), bounds]
        super().__init__(label, places=2, validators=validators, **kwargs)

    @property
    def cents(self):
        return int((self.data * 100).quantize(1, rounding=ROUND_HALF_UP))


def first_error(form):
    """What is wrong with a one-line form that lives on another page: its first error, to flash."""
    for errors in form.errors.values():
        return str(errors[0])
    return None


class RefundForm(Form):
    """An admin's refund of part or all of a paid order."""

    amount = MoneyField(
        _l("Amount to refund (USD)"), _l("Please enter the amount to refund, for example 5.00.")
    )
    reason = StringField(
        _l("Reason (the customer sees it)"),
        validators=[DataRequired(_l("Please say why the money goes back.")), Length(max=200)],
    )
    destination = RadioField(
        _l("Refund to"),
        choices=[
            SelectChoice("original", _l("The original payment method")),
            SelectChoice("balance", _l("The customer's balance (at once)")),
        ],
        default="original",
        validators=[DataRequired(_l("Please choose where the refund goes."))],
    )


def plan_choices():
    """The catalogue's plans as choices, so a plan that is not on sale fails validation."""
    return [(code, code) for code in catalogue.plan_codes()]


class CounterSaleForm(Form):
    """A new eSIM sold at a counter: the customer (email or phone) and the plan, checked together
    with the customer forms' own validators before anything is written."""

    email = email_field(required=False)
    phone = phone_field()
    name = name_field()
    language = language_field()
    plan = SelectField(_l("Plan"), validators=[DataRequired(_l("Please choose a plan."))])

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not (self.email.data or "").strip() and not (self.phone.data or "").strip():
            self.email.errors = [*self.email.errors, _l("Please give the customer's email or phone number.")]
            return False
        return valid


class AssistedRenewalForm(Form):
    esim = IntegerField(validators=[DataRequired(), NumberRange(min=1, max=2**63 - 1)])
    plan = SelectField(_l("Plan"), validators=[DataRequired(_l("Please choose a plan."))])


class NoteForm(Form):
    note = TextAreaField(
        _l("Add a note for other agents"),
        validators=[DataRequired(_l("Please write the note first.")), Length(max=2000)],
    )


class CashForm(Form):
    """Cash taken at the counter for a pending order."""

    amount = MoneyField(_l("Cash received (USD)"), _l("Please enter the amount received, for example 5.00."))


class BalanceCreditForm(Form):
    """An admin's credit to a customer's balance, with the reason the customer reads."""

    amount = MoneyField(
        _l("Amount to credit (USD)"),
        _l("Please enter an amount up to 500.00, for example 5.00."),
        max_value=500,
    )
    reason = StringField(
        _l("Reason (the customer sees it)"),
        validators=[DataRequired(_l("Please say why the balance is credited.")), Length(max=200)],
    )


class CashTopUpForm(Form):
    """Cash taken at the counter to top a customer's balance up."""

    amount = MoneyField(
        _l("Cash received (USD)"),
        _l("Please enter an amount from 1.00 to 500.00, for example 5.00."),
        max_value=500,
    )


class MergeForm(Form):
    """The other record of the same person, to merge into the one on screen (admins only)."""

    other = IntegerField(
        validators=[DataRequired(_l("Please choose the record to merge.")), NumberRange(min=1, max=2**63 - 1)]
    )
