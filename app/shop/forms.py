"""Buying a new eSIM: the plan, and an account for visitors who have none yet."""

from app.web.fields import email_field
from app.web.fields import language_field
from app.web.fields import new_password_fields
from app.web.fields import plan_fields
from app.web.forms import Form


class BuyForm(Form):
    plan, promo = plan_fields()


class BuyAsNewCustomerForm(BuyForm):
    email = email_field()
    password, confirm = new_password_fields()
    language = language_field()
