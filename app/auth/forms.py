"""Account forms; every message is translated lazily, at render time."""

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import DataRequired
from wtforms.validators import Length

from app.web.fields import PASSWORD_MAX
from app.web.fields import email_field
from app.web.fields import language_field
from app.web.fields import name_field
from app.web.fields import new_password_fields
from app.web.fields import phone_field
from app.web.forms import Form


class LoginForm(Form):
    email = email_field()
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Please enter your password.")), Length(max=PASSWORD_MAX)],
    )


class RegisterForm(Form):
    email = email_field()
    password, confirm = new_password_fields()
    language = language_field()


class ForgotPasswordForm(Form):
    email = email_field()


class AccountPasswordForm(Form):
    """A new password for a known account, whose address and name the password must not contain."""

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_email = account.email
        self.account_name = account.name


class ResetPasswordForm(AccountPasswordForm):
    password, confirm = new_password_fields()


class ChangePasswordForm(AccountPasswordForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Please enter your current password.")), Length(max=PASSWORD_MAX)],
    )
    password, confirm = new_password_fields()


class ProfileForm(Form):
    name = name_field()
    phone = phone_field()
    language = language_field()
