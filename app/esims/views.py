"""The customer's eSIMs: dashboard, one eSIM, its usage widget, and its auto-renew setting."""

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from app.esims import bp
from app.esims.forms import AutoRenewForm
from app.services import autorenew
from app.services import cards
from app.services import esims as esim_lookup
from app.services import usage
from app.web import auto_renew
from app.web.owned import owned_esim_or_404
from app.web.partials import render_page_or_fragment


@bp.route("/dashboard")
@login_required
def dashboard():
    """One card per eSIM, the ones that need attention first."""
    esims = esim_lookup.of(current_user)
    fresh = usage.refresh(esims)
    return render_template("esims/dashboard.html", cards=usage.by_urgency(esims), fresh=fresh)


def _detail_page(esim, fresh, form=None):
    proposed = autorenew.proposed(esim)
    form = form or AutoRenewForm(formdata=None)
    card = cards.usable(current_user)
    auto_renew.fill(form, esim, proposed, card)
    terms = None
    if proposed is not None:
        terms = autorenew.consent_text(auto_renew.choice_of(form) or proposed, card)
    return render_page_or_fragment(
        "esims/detail.html",
        "esims/_auto_renew.html",
        target="auto-renew",
        esim=esim,
        status=usage.status(esim),
        fresh=fresh,
        form=form,
        setting=autorenew.setting_of(esim),
        card=card,
        terms=terms,
    )


@bp.route("/esims/<int:esim_id>")
@login_required
def detail(esim_id):
    """One eSIM: what is left, what can be done with it, and whether it renews by itself."""
    esim = owned_esim_or_404(esim_id)  # with its plan's terms: whether auto-renew can renew it
    # Choices in the address (htmx, as the auto-renew form changes) show the terms they would keep.
    chosen = AutoRenewForm(request.args, meta={"csrf": False}) if "plan" in request.args else None
    return _detail_page(esim, usage.refresh([esim]), chosen)


@bp.route("/esims/<int:esim_id>/usage")
@login_required
def usage_widget(esim_id):
    """Usage read from the operator now; the widget alone for htmx, else the whole page."""
    esim = owned_esim_or_404(esim_id, card=True)
    fresh = usage.refresh([esim], force=True)
    return render_page_or_fragment(
        "esims/detail.html", "esims/_usage.html", esim=esim, status=usage.status(esim), fresh=fresh
    )


@bp.route("/esims/<int:esim_id>/auto-renew", methods=["POST"])
@login_required
def auto_renew_on(esim_id):
    """Turn "Renew automatically" on (or change it), with the terms agreed to and their time."""
    esim = owned_esim_or_404(esim_id)
    form = AutoRenewForm()
    auto_renew.fill(form, esim, autorenew.proposed(esim), cards.usable(current_user))
    if "preview" in request.form:  # "Show the terms" (without JavaScript): what these choices mean
        form.consent.data = False
        return _detail_page(esim, True, form)
    if form.validate_on_submit() and auto_renew.save(form, esim, current_user):
        flash(_("Automatic renewal is on."), "success")
        return redirect(url_for("esims.detail", esim_id=esim.id) + "#auto-renew", code=303)
    return _detail_page(esim, True, form)


@bp.route("/esims/<int:esim_id>/auto-renew/off", methods=["POST"])
@login_required
def auto_renew_off(esim_id):
    """Turn automatic renewal off, at once."""
    esim = owned_esim_or_404(esim_id)
    if autorenew.turn_off(esim):
        flash(_("Automatic renewal is off. Nothing more will be charged for this eSIM."), "info")
    return redirect(url_for("esims.detail", esim_id=esim.id) + "#auto-renew", code=303)
