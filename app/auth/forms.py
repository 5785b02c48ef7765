"""Account forms; every message is translated lazily, at render time."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import Email
from wtforms.validators import EqualTo
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import Regexp

from app.form_base import Form
from app.i18n import LANGUAGES

PASSWORD_MIN = 10


def email_field():
    return EmailField(
        _l("Email"),
        validators=[
            DataRequired(_l("Please enter your email address.")),
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
                max=128,
                message=_l("Your password needs at least %(num)d characters.", num=PASSWORD_MIN),
            ),
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


class LoginForm(Form):
    email = email_field()
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Please enter your password.")), Length(max=128)],
    )


class RegisterForm(Form):
    email = email_field()
    password, confirm = new_password_fields()
    language = language_field()


class ForgotPasswordForm(Form):
    email = email_field()


class ResetPasswordForm(Form):
    password, confirm = new_password_fields()


class ProfileForm(Form):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=100)])
    phone = StringField(
        _l("Phone number"),
        validators=[
            Optional(),
            Regexp(
                r"^\+?[0-9 ()-]{6,20}$",
                message=_l("Please enter a phone number with digits only, for example +855 12 345 678."),
            ),
        ],
    )
    language = language_field()
