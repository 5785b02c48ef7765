"""Buying a new eSIM: the plan, and an account for visitors who have none yet."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length

from app.web.fields import email_field
from app.web.fields import language_field
from app.web.fields import new_password_fields
from app.web.forms import Form


class BuyForm(Form):
    plan = RadioField(
        _l("Plan"), validators=[DataRequired(_l("Please choose a plan."))], validate_choice=False
    )
    promo = StringField(_l("Promo code"), validators=[Length(max=40)])


class BuyAsNewCustomerForm(BuyForm):
    email = email_field()
    password, confirm = new_password_fields()
    language = language_field()
