"""Fields the customer, shop and support forms share: one set of rules for an email, a password,
a name, a phone number and a language."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField
from wtforms import PasswordField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import Email
from wtforms.validators import EqualTo
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from app import phones
from app.labels import LANGUAGES
from app.services import accounts

PASSWORD_MIN = 12
PASSWORD_MAX = 128


def not_easy_to_guess(form, field):
    """Refuse a password made of the account's email or name, and the most common passwords and
    simple patterns (zxcvbn's lists and rules)."""
    email = form.email.data if "email" in form else getattr(form, "account_email", "")
    name = form.name.data if "name" in form else getattr(form, "account_name", "")
    if field.data and accounts.contains_personal_details(field.data, email, name):
        raise ValidationError(
            _l("Your password must not contain your email address or your name. Please choose another.")
        )
    if field.data and accounts.too_easy_to_guess(field.data, email, name):
        raise ValidationError(
            _l(
                "This password is too easy to guess: it is one of the most common passwords or a simple "
                "pattern. Please choose another, for example three words you will remember."
            )
        )


def email_field(required=True):
    presence = DataRequired(_l("Please enter your email address.")) if required else Optional()
    return EmailField(
        _l("Email"),
        validators=[
            presence,
            Email(_l("Please enter a valid email address."), check_deliverability=False),
            Length(max=254),
        ],
    )


def new_password_fields():
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Please choose a password.")),
            Length(
                min=PASSWORD_MIN,
                message=_l("Your password needs at least %(num)d characters.", num=PASSWORD_MIN),
            ),
            Length(
                max=PASSWORD_MAX,
                message=_l("Your password can have at most %(num)d characters.", num=PASSWORD_MAX),
            ),
            not_easy_to_guess,
        ],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[EqualTo("password", _l("The two passwords are not the same."))],
    )
    return password, confirm


def language_field():
    choices = [SelectChoice(code, name, render_kw={"lang": code}) for code, name in LANGUAGES.items()]
    return SelectField(_l("Language"), choices=choices, default="en")


def name_field():
    return StringField(_l("Name"), validators=[Optional(), Length(max=100)])


class PhoneField(StringField):
    """A phone number in any digits and spacing, kept in E.164 form (`+85512345678`); shown readably."""

    def _value(self):
        return phones.readable(self.data) if self.data and not self.errors else super()._value()


def e164_phone(form, field):
    """Refuse what is not a phone number; otherwise store it in E.164 form."""
    number = phones.e164(field.data)
    if number is None:
        raise ValidationError(
            _l(
                "This is not a phone number we can use. Please check it, for example 012 345 678 or "
                "+855 12 345 678."
            )
        )
    field.data = number


def phone_field():
    return PhoneField(_l("Phone number"), validators=[Optional(), Length(max=40), e164_phone])


def plan_fields():
    """The plan (a code, checked against the catalogue by the service) and an optional promo code."""
    plan = RadioField(
        _l("Plan"), validators=[DataRequired(_l("Please choose a plan."))], validate_choice=False
    )
    promo = StringField(_l("Promo code"), validators=[Length(max=40)])
    return plan, promo
