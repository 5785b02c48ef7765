"""Register, log in and out, reset a forgotten password, edit the profile."""

from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_login import login_required

from app.auth import bp
from app.auth.forms import ChangePasswordForm
from app.auth.forms import ForgotPasswordForm
from app.auth.forms import LoginForm
from app.auth.forms import ProfileForm
from app.auth.forms import RegisterForm
from app.auth.forms import ResetPasswordForm
from app.services import accounts
from app.services import cards
from app.services import mail
from app.services import sessions
from app.services.links import public_url
from app.text import current_language
from app.web import locale
from app.web import telegram_panel
from app.web import throttle
from app.web.login import current_token
from app.web.login import sign_in
from app.web.login import sign_out
from app.web.redirects import safe_next

RESET_TOKEN = "reset_token"
RESET_EMAIL_LIMIT = "1 per 3 minutes"


def _home():
    if current_user.is_authenticated and current_user.is_staff:
        return url_for("support.search")
    return url_for("esims.dashboard")


def _login_page(message=None):
    if message:
        flash(message, "error")
    return render_template("auth/login.html", form=LoginForm())


@bp.route("/login", methods=["GET", "POST"])
@throttle.limit_counted(
    lambda: current_app.config["LOGIN_FAILURE_LIMIT"],
    throttle.device_key,
    _login_page,
    exempt_when=throttle.unknown_device,
)
@throttle.limit_counted(
    lambda: current_app.config["LOGIN_FAILURE_LIMIT"],
    throttle.login_key,
    _login_page,
    exempt_when=throttle.known_device,
)
@throttle.limit_counted(
    lambda: current_app.config["LOGIN_ADDRESS_FAILURE_LIMIT"],
    get_remote_address,
    _login_page,
    exempt_when=throttle.known_device,
)
def login():
    """Log in by email and password, then go back where the visitor was heading.

    A browser where the account logged in before is limited by its own failures alone."""
    if current_user.is_authenticated:
        return redirect(_home())
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user:
            sign_in(user)
            return redirect(safe_next(request.args.get("next"), _home()))
        throttle.count_this()
        flash(_("That email and password do not match an account."), "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out (POST only, so a link on another site cannot log anyone out), here and on the server."""
    sign_out()
    flash(_("You are logged out."), "info")
    return redirect(url_for("plans.index"))


def _register_page(message=None):
    if message:
        flash(message, "error")
    return render_template("auth/register.html", form=RegisterForm())


@bp.route("/register", methods=["GET", "POST"])
@throttle.limit_counted("10 per hour", throttle.email_key, _register_page)
@throttle.limit_counted("100 per hour", get_remote_address, _register_page)
def register():
    """Create a customer account and log straight in."""
    if current_user.is_authenticated:
        return redirect(_home())
    form = RegisterForm()
    if request.method == "GET":
        form.language.data = current_language()
    if form.validate_on_submit():
        # Per address, only what reaches the database counts: made accounts, and taken addresses.
        throttle.count_this()
        try:
            user = accounts.register(form.email.data, form.password.data, form.language.data)
        except accounts.EmailTaken:
            form.email.errors.append(_("An account with this email already exists. Log in instead."))
        else:
            sign_in(user)
            locale.choose(user.language)  # chosen in the form: newer than any tap before it
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(_home())
    return render_template("auth/register.html", form=form)


def _forgot_page(message=None):
    if message:
        flash(message, "error")
    return render_template("auth/forgot_password.html", form=ForgotPasswordForm())


@bp.route("/forgot-password", methods=["GET", "POST"])
@throttle.limit_attempts("3 per 15 minutes", throttle.reset_key, _forgot_page)
@throttle.limit_attempts(
    "30 per 15 minutes", get_remote_address, _forgot_page, exempt_when=throttle.known_device
)
def forgot_password():
    """Email a reset link; the answer is the same whether or not the address exists, or whether an
    email left: an account gets one link per RESET_EMAIL_LIMIT however many ask, so no mailbox fills."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = accounts.by_email(form.email.data)
        if user and throttle.first_in(RESET_EMAIL_LIMIT, "reset-email", str(user.id)):
            link = public_url(
                "auth.reset_link",
                token=accounts.make_reset_token(user),
                lang=user.language,  # the page opens in the language the email is written in
            )
            mail.send_template(
                user, "reset_password", lambda: _("Reset your eSIM Cambodia password"), link=link
            )
        flash(
            _(
                "If an account uses that address, we have emailed it a link to choose a new password. "
                "The link works once, for one hour."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset-password/<token>")
def reset_link(token):
    """The emailed link: its token is swapped for this browser's session and a clean address,
    so it stays out of the history and of the logs of later requests."""
    session[RESET_TOKEN] = token
    return redirect(url_for("auth.reset_password", lang=request.args.get("lang")), code=303)


@bp.route("/reset-password", methods=["GET", "POST"])
def reset_password():
    """Choose a new password through a signed link that expires in an hour and works once."""
    user = accounts.user_for_reset_token(session.get(RESET_TOKEN))
    if user is None:
        flash(
            _("This password reset link has expired or was already used. Please ask for a new one."), "error"
        )
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm(account=user)
    if form.validate_on_submit():
        keep = current_token() if current_user.is_authenticated and current_user.id == user.id else None
        accounts.set_password(user, form.password.data, keep_session=keep)
        session.pop(RESET_TOKEN, None)
        flash(_("Your password has been changed. Please log in."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


def _profile_page(form=None, password_form=None):
    return render_template(
        "auth/profile.html",
        form=form or ProfileForm(obj=current_user),
        password_form=password_form or ChangePasswordForm(formdata=None, account=current_user),
        other_devices=sessions.count_other(current_user, current_token()),
        saved_cards=cards.saved(current_user),
        card_terms=cards.consent_text(),
        telegram=telegram_panel.panel(current_user),
    )


def _password_breach(message):
    flash(message, "error")
    return _profile_page()


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Edit name, phone number and preferred language."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        accounts.update_profile(current_user, form.name.data or "", form.phone.data or "", form.language.data)
        locale.choose(form.language.data)  # the newest choice: this browser's pages follow it too
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("auth.profile"))
    return _profile_page(form=form)


@bp.route("/profile/password", methods=["POST"])
@login_required
@throttle.limit_counted("5 per 15 minutes", lambda: f"pw:{current_user.id}", _password_breach)
def change_password():
    """A new password: every other device is logged out, and the owner is emailed about it."""
    form = ChangePasswordForm(account=current_user)
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current.data, form.password.data, current_token())
        except accounts.WrongPassword:
            throttle.count_this()
            form.current.errors.append(_("That is not your current password."))
        else:
            flash(_("Your password has been changed. Every other device has been logged out."), "success")
            return redirect(url_for("auth.profile"), code=303)
    return _profile_page(password_form=form)


@bp.route("/profile/logout-everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    """End every login of the account, this one too (a lost phone, a shared computer)."""
    sessions.end_all(current_user)
    sign_out()
    flash(_("You are logged out on every device."), "info")
    return redirect(url_for("auth.login"), code=303)
