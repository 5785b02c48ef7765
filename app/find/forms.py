from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired
from wtforms.validators import Regexp

from app.web.fields import email_field
from app.web.forms import Form


class FindForm(Form):
    email = email_field()
    iccid_tail = StringField(
        _l("Last digits of the ICCID"),
        validators=[
            InputRequired(message=_l("Enter the last 4 to 6 digits of the ICCID.")),
            Regexp(r"^\s*\d{4,6}\s*$", message=_l("Enter the last 4 to 6 digits of the ICCID.")),
        ],
    )
