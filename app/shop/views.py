"""Buying a new eSIM, installing it, and checking that a phone can use one."""

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from app.services import accounts
from app.services import catalogue
from app.services import devices
from app.services import esims as esim_lookup
from app.services import provisioning
from app.services import qr_images
from app.services import refund_requests
from app.services import renewal
from app.services.promotions import PromoError
from app.shop import bp
from app.shop.forms import BuyAsNewCustomerForm
from app.shop.forms import BuyForm
from app.text import current_language
from app.web import found
from app.web import locale
from app.web import throttle
from app.web.checkout import chosen_method
from app.web.checkout import send_to_checkout
from app.web.login import sign_in
from app.web.partials import render_page_or_fragment
from app.web.quotes import code_refused
from app.web.quotes import place_counted
from app.web.quotes import price_summary
from app.web.quotes import promo_problem


def _buy_form():
    form_class = BuyForm if current_user.is_authenticated else BuyAsNewCustomerForm
    if request.method == "POST":
        return form_class()
    form = form_class(request.args, meta={"csrf": False})
    if not current_user.is_authenticated:
        form.language.data = current_language()
    return form


def _place(form):
    """The pending order for a valid form, registering the visitor first; None on an error."""
    plan = renewal.find_plan(form.plan.data)
    if plan is None:
        form.plan.errors = [_("Please choose a plan.")]
        return None
    if code_refused(form):
        return None
    customer = current_user if current_user.is_authenticated else None
    try:
        renewal.promotions.evaluate(form.promo.data, plan, user=customer)
    except PromoError as exc:
        promo_problem(form, exc)
        return None
    user = current_user
    if not user.is_authenticated:
        try:
            user = accounts.register(form.email.data, form.password.data, form.language.data)
        except accounts.EmailTaken:
            form.email.errors.append(_("An account with this email already exists. Log in to buy this plan."))
            form.email_taken = True
            return None
        sign_in(user)
        locale.choose(user.language)  # chosen in the form: newer than any tap before it
    return place_counted(form, user, plan)


def _quote_new(plan, code):
    return renewal.quote_new(plan, code, user=current_user if current_user.is_authenticated else None)


def _login_keeping_choice(form):
    """The login page, coming back here with the plan and promo code chosen so far."""
    chosen = {"plan": form.plan.data or None, "promo": (form.promo.data or "").strip() or None}
    return url_for("auth.login", next=url_for("shop.buy", **chosen))


def _buy_page(form):
    quote = price_summary(form, _quote_new) if not form.plan.errors else None
    groups = catalogue.grouped_plans()
    return render_page_or_fragment(
        "shop/buy.html",
        "plans/_summary.html",
        target="summary",
        form=form,
        groups=groups,
        days_start=catalogue.days_start(groups),
        quote=quote,
        for_new_esim=True,
        login_url=_login_keeping_choice(form),
        email_taken=getattr(form, "email_taken", False),
    )


def _breach_page(message):
    flash(message, "error")
    return _buy_page(_buy_form())


@bp.route("/buy", methods=["GET", "POST"])
@throttle.limit_counted("10 per hour", throttle.email_key, _breach_page)
@throttle.limit_counted("100 per hour", get_remote_address, _breach_page)
@throttle.limit_new_orders(_breach_page)
def buy():
    """Choose a plan for a new eSIM (and, for a visitor, an account in the same step), then pay.

    The price summary updates in place (htmx) or on "Show the price" (without JavaScript),
    which checks only the plan and the code and places no order.
    """
    form = _buy_form()
    previewing = request.method == "POST" and "preview" in request.form
    if request.method == "POST" and not previewing and form.validate_on_submit():
        # Only complete forms count (an order, a taken address, a promo code tried): a typo never
        # does, and per address the limit is wide enough for a whole airport's Wi-Fi.
        throttle.count_this()
        order = _place(form)
        if order is not None:
            return send_to_checkout(order, method=chosen_method(request.form))
    return _buy_page(form)


INSTALL_TOKEN = "install_token"


def _esim_for_install(esim_id):
    """The logged-in owner's eSIM, or the one this browser's emailed link (install, or /find while not
    installed) opened; 404 or login otherwise."""
    if current_user.is_authenticated:
        esim = esim_lookup.owned(current_user.id, esim_id)
        if esim is not None:
            return esim
    esim = provisioning.esim_for_install_token(session.get(INSTALL_TOKEN))
    if esim is not None and esim.id == esim_id:
        return esim
    if found.may_read(esim_id):
        esim = esim_lookup.of_a_customer(esim_id)
        if esim is not None and esim.installed_at is None:
            return esim
    if current_user.is_authenticated:
        abort(404)
    return None


def _spent_link_messages():
    return {
        "installed": _(
            "This eSIM is already installed, so its install link no longer opens. Log in to see it."
        ),
        "superseded": _("A newer install link was sent to you: use the one in the latest email, or log in."),
        "expired": _(
            "This install link expired after 24 hours. Log in to see your eSIM, or ask us for a new link."
        ),
        "spent": _("This install link no longer works. Log in to see your eSIM, or ask us for a new link."),
    }


def _say_why_the_link_is_spent(esim_id):
    """On the login page an emailed link that no longer opens leads to, say why (once)."""
    token = session.get(INSTALL_TOKEN)
    if not token:
        return
    reason = provisioning.spent_install_link(token, esim_id)
    if reason is not None:
        flash(_spent_link_messages()[reason], "error")
    if provisioning.esim_for_install_token(token) is None:
        session.pop(INSTALL_TOKEN, None)


def _refunded_before_install():
    flash(_("This eSIM was refunded before it was installed, so it can no longer be installed."), "error")
    return redirect(url_for("esims.dashboard") if current_user.is_authenticated else url_for("plans.index"))


@bp.route("/esims/<int:esim_id>/install")
def install(esim_id):
    """QR code, manual details, one-tap links and steps for installing the eSIM."""
    if request.args.get("token"):
        # The emailed link: its token is swapped for this browser's session and a clean address.
        session[INSTALL_TOKEN] = request.args["token"]
        # (`?lang=` has already set the language shown in this browser.)
        return redirect(url_for("shop.install", esim_id=esim_id), code=303)
    esim = _esim_for_install(esim_id)
    if esim is None:
        _say_why_the_link_is_spent(esim_id)
        return redirect(url_for("auth.login", next=request.full_path))
    if refund_requests.refunded_before_install(esim):
        return _refunded_before_install()
    platform, version = devices.visitor_platform(request.user_agent.string)
    code = provisioning.activation_code(esim)
    response = render_template(
        "shop/install.html",
        esim=esim,
        code=code,
        qr=qr_images.svg(code),
        links=provisioning.install_links(esim),
        platform=platform,
        one_tap_ios=platform == "ios" and version is not None and version >= (17, 4),
        simulated=provisioning.installs_simulated(),
        apn=provisioning.manual_apn(esim),
    )
    return response, 200, {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}


@bp.route("/esims/<int:esim_id>/install/simulate", methods=["POST"])
def simulate_install(esim_id):
    """Demo only: play the phone that downloads the eSIM profile from the simulated operator."""
    esim = _esim_for_install(esim_id)
    if esim is not None and refund_requests.refunded_before_install(esim):
        return _refunded_before_install()
    if esim is None or not provisioning.simulate_install(esim):
        abort(404)
    flash(_("The eSIM is installed. You are ready to go."), "success")
    return redirect(url_for("esims.dashboard") if current_user.is_authenticated else url_for("plans.index"))


@bp.route("/compatibility")
def compatibility():
    """Search the phones that can use an eSIM; the results alone when htmx asks as one types."""
    query = request.args.get("q", "").strip()[:60]
    matches, total = devices.search(query)
    platform, _version = devices.visitor_platform(request.user_agent.string)
    return render_page_or_fragment(
        "shop/compatibility.html",
        "shop/_devices.html",
        target="device-results",
        query=query,
        matches=matches,
        total=total,
        platform=platform,
    )
