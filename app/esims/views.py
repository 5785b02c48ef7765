"""The customer's eSIMs: dashboard, one eSIM, and its usage widget."""

from flask import Response
from flask import render_template
from flask import request
from flask_login import current_user
from flask_login import login_required

from app.esims import bp
from app.services import esims as esim_lookup
from app.services import usage
from app.services import usage_report
from app.web.owned import owned_esim_or_404
from app.web.partials import render_page_or_fragment


@bp.route("/dashboard")
@login_required
def dashboard():
    """One card per eSIM, the ones that need attention first."""
    esims = esim_lookup.of(current_user)
    fresh = usage.refresh(esims)
    return render_template("esims/dashboard.html", cards=usage.by_urgency(esims), fresh=fresh)


@bp.route("/esims/<int:esim_id>")
@login_required
def detail(esim_id):
    """One eSIM: what is left, and what can be done with it."""
    esim = owned_esim_or_404(esim_id, card=True)
    fresh = usage.refresh([esim])
    return render_template(
        "esims/detail.html",
        esim=esim,
        status=usage.status(esim),
        fresh=fresh,
        history=usage_report.chart(esim),
    )


@bp.route("/esims/<int:esim_id>/usage")
@login_required
def usage_widget(esim_id):
    """Usage read from the operator now; the widget alone for htmx, else the whole page."""
    esim = owned_esim_or_404(esim_id, card=True)
    fresh = usage.refresh([esim], force=True)
    return render_page_or_fragment(
        "esims/detail.html",
        "esims/_usage.html",
        esim=esim,
        status=usage.status(esim),
        fresh=fresh,
        history=None if request.htmx else usage_report.chart(esim),
    )


@bp.route("/esims/<int:esim_id>/usage.csv")
@login_required
def usage_csv(esim_id):
    """Data used per day, as a spreadsheet opens it; only reads."""
    esim = owned_esim_or_404(esim_id, card=True)
    name = f"usage-{esim.iccid[-4:]}.csv"
    return Response(
        usage_report.csv_bytes(esim),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
