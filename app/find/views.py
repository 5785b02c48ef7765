"""Find my eSIM without a password: an emailed one-time link opens that eSIM's pages, read-only."""

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from app.find import bp
from app.find.forms import FindForm
from app.services import esims as esim_lookup
from app.services import find
from app.services import order_money
from app.services import orders
from app.services import usage
from app.web import found
from app.web import throttle
from app.web.partials import render_page_or_fragment

FIND_TOKEN = "find_token"
FIND_EMAIL_LIMIT = "1 per 3 minutes"


def _find_page(message=None):
    if message:
        flash(message, "error")
    return render_template("find/find.html", form=FindForm())


def _closed_messages():
    return {
        "used": _("This link was already used: each link opens once. Ask for a new one below."),
        "expired": _("This link expired after 30 minutes. Ask for a new one below."),
        "invalid": _("This link does not work. Ask for a new one below."),
    }


@bp.route("/find", methods=["GET", "POST"])
@throttle.limit_attempts("5 per 15 minutes", throttle.reset_key, _find_page)
@throttle.limit_attempts(
    "30 per 15 minutes", get_remote_address, _find_page, exempt_when=throttle.known_device
)
def find_esim():
    """Email and the ICCID's last digits: the same answer whether or not they match an eSIM."""
    form = FindForm()
    if form.validate_on_submit():
        esim = find.matching_esim(form.email.data, form.iccid_tail.data)
        if esim is not None and throttle.first_in(FIND_EMAIL_LIMIT, "find-email", str(esim.id)):
            find.send_link(esim)
        flash(
            _(
                "If that email and those digits match one of our eSIMs, we have emailed a link to it. "
                "The link works once, for 30 minutes."
            ),
            "info",
        )
        return redirect(url_for("find.find_esim"), code=303)
    return render_template("find/find.html", form=form)


@bp.route("/find/<token>")
def arrive(token):
    """The emailed link: its token is swapped for this browser's session and a clean address."""
    session[FIND_TOKEN] = token
    return redirect(url_for("find.open_link", lang=request.args.get("lang")), code=303)


@bp.route("/find/open", methods=["GET", "POST"])
def open_link():
    """A button that spends the link (a mail scanner's GET spends nothing), then the eSIM's page."""
    token = session.get(FIND_TOKEN)
    reason = find.why_closed(token)
    if reason is None and request.method == "POST":
        esim = find.use(token)
        if esim is not None:
            session.pop(FIND_TOKEN, None)
            found.grant(esim.id)
            return redirect(url_for("find.esim_page"), code=303)
        reason = "used"
    if reason is not None:
        session.pop(FIND_TOKEN, None)
        flash(_closed_messages()[reason], "error")
        return redirect(url_for("find.find_esim"), code=303)
    return render_template("find/open.html")


def _found_esim():
    esim_id = found.found_esim_id()
    esim = esim_lookup.of_a_customer(esim_id) if esim_id is not None else None
    if esim is None:
        abort(404)
    return esim


@bp.route("/find/esim")
def esim_page():
    """The found eSIM, read-only: what is left, its install page while not installed, its receipts."""
    esim = _found_esim()
    fresh = usage.refresh([esim])
    return render_template(
        "find/esim.html",
        esim=esim,
        status=usage.status(esim),
        fresh=fresh,
        receipts=find.paid_orders(esim),
        usage_url=url_for("find.usage_widget"),
    )


@bp.route("/find/esim/usage")
def usage_widget():
    esim = _found_esim()
    fresh = usage.refresh([esim], force=True)
    return render_page_or_fragment(
        "find/esim.html",
        "esims/_usage.html",
        esim=esim,
        status=usage.status(esim),
        fresh=fresh,
        receipts=find.paid_orders(esim),
        usage_url=url_for("find.usage_widget"),
    )


@bp.route("/find/receipts/<int:order_id>")
def receipt(order_id):
    """A receipt of the found eSIM's orders."""
    esim = _found_esim()
    order = find.receipt_order(esim.id, order_id)
    if order is None:
        abort(404)
    return render_template(
        "orders/receipt.html",
        order=order,
        events=orders.timeline(order),
        money=order_money.money_of(order),
        back_url=url_for("find.esim_page"),
    )
