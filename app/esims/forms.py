"""The auto-renew form: which plan, when, the monthly limit, and the customer's consent."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import DataRequired

from app.web.forms import Form


class AutoRenewForm(Form):
    plan = SelectField(_l("Plan to renew with"), validate_choice=False)
    data_below = SelectField(_l("When data left falls below"), coerce=int, validate_choice=False)
    hours_before = SelectField(_l("Or this long before it expires"), coerce=int, validate_choice=False)
    cap = StringField(_l("Monthly limit (US dollars)"))
    funding = SelectField(_l("Pay with"), validate_choice=False)
    consent = BooleanField(
        _l("I agree to these terms."),
        validators=[DataRequired(_l("Please tick the box to agree to the terms."))],
    )
