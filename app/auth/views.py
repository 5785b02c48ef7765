"""Register, log in and out, reset a forgotten password, edit the profile."""

from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required
from flask_login import login_user
from flask_login import logout_user

from app.auth import bp
from app.auth.forms import ForgotPasswordForm
from app.auth.forms import LoginForm
from app.auth.forms import ProfileForm
from app.auth.forms import RegisterForm
from app.auth.forms import ResetPasswordForm
from app.extensions import limiter
from app.extensions import login_manager
from app.i18n import adopt_pending_switch
from app.i18n import current_language
from app.models import User
from app.security import safe_next
from app.services import accounts
from app.services import mail


@login_manager.user_loader
def load_user(user_id):
    return User.by_id(int(user_id))


def _home():
    if current_user.is_authenticated and current_user.is_staff:
        return url_for("support.search")
    return url_for("esims.dashboard")


def _login_email_key():
    return "login:" + (request.form.get("email") or "").strip().lower()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], key_func=_login_email_key, methods=["POST"]
)
def login():
    """Log in by email and password, then go back where the visitor was heading."""
    if current_user.is_authenticated:
        return redirect(_home())
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user:
            login_user(user)
            adopt_pending_switch(user)
            return redirect(safe_next(request.args.get("next"), _home()))
        flash(_("That email and password do not match an account."), "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out (POST only, so a link on another site cannot log anyone out)."""
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("plans.index"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def register():
    """Create a customer account and log straight in."""
    if current_user.is_authenticated:
        return redirect(_home())
    form = RegisterForm()
    if request.method == "GET":
        form.language.data = current_language()
    if form.validate_on_submit():
        try:
            user = accounts.register(form.email.data, form.password.data, form.language.data)
        except accounts.EmailTaken:
            form.email.errors.append(_("An account with this email already exists. Log in instead."))
        else:
            login_user(user)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(_home())
    return render_template("auth/register.html", form=form)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def forgot_password():
    """Email a reset link; the answer is the same whether or not the address exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = User.by_email(form.email.data)
        if user:
            link = url_for(
                "auth.reset_password",
                token=accounts.make_reset_token(user),
                lang=user.language,  # the page opens in the language the email is written in
                _external=True,
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


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token):
    """Choose a new password through a signed link that expires in an hour and works once."""
    user = accounts.user_for_reset_token(token)
    if user is None:
        flash(
            _("This password reset link has expired or was already used. Please ask for a new one."), "error"
        )
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        accounts.set_password(user, form.password.data)
        flash(_("Your password has been changed. Please log in."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Edit name, phone number and preferred language."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        accounts.update_profile(current_user, form.name.data or "", form.phone.data or "", form.language.data)
        with force_locale(form.language.data):
            flash(_("Your profile has been saved."), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form)
