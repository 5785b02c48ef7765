"""The renewal form: which plan, and an optional promo code."""

from app.web.fields import plan_fields
from app.web.forms import Form


class RenewForm(Form):
    plan, promo = plan_fields()
