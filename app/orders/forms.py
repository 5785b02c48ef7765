"""The customer's order forms; every message is translated lazily, at render time."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length

from app.web.forms import Form


class RefundRequestForm(Form):
    """Why the customer wants their money back, and where it goes. The service checks the codes."""

    reason = RadioField(
        _l("Why do you want a refund?"),
        validators=[DataRequired(_l("Please choose why you want a refund."))],
        validate_choice=False,
    )
    destination = RadioField(_l("Where should the money go?"), default="original", validate_choice=False)
    note = TextAreaField(_l("Anything else we should know? (optional)"), validators=[Length(max=1000)])
