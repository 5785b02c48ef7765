"""Buying a new eSIM: the plan, and an account for visitors who have none yet."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length

from app.auth.forms import email_field
from app.auth.forms import language_field
from app.auth.forms import new_password_fields
from app.form_base import Form


class BuyForm(Form):
    plan = RadioField(
        _l("Plan"), validators=[DataRequired(_l("Please choose a plan."))], validate_choice=False
    )
    promo = StringField(_l("Promo code"), validators=[Length(max=40)])


class BuyAsNewCustomerForm(BuyForm):
    email = email_field()
    password, confirm = new_password_fields()
    language = language_field()
