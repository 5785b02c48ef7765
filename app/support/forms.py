"""Support forms; every message is translated lazily, at render time."""

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange

from app.form_base import Form


class RefundForm(Form):
    """An admin's refund of part or all of a paid order."""

    amount = DecimalField(
        _l("Amount to refund (USD)"),
        places=2,
        validators=[
            DataRequired(_l("Please enter the amount to refund, for example 5.00.")),
            NumberRange(min=0.01, message=_l("Please enter the amount to refund, for example 5.00.")),
        ],
    )
    reason = StringField(
        _l("Reason (the customer sees it)"),
        validators=[DataRequired(_l("Please say why the money goes back.")), Length(max=200)],
    )
