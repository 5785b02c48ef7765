"""The renewal form: which plan, and an optional promo code."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length

from app.web.forms import Form


class RenewForm(Form):
    plan = RadioField(
        _l("Plan"), validators=[DataRequired(_l("Please choose a plan."))], validate_choice=False
    )
    promo = StringField(_l("Promo code"), validators=[Length(max=40)])
