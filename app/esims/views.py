"""The customer's eSIMs."""

from flask import render_template
from flask_login import current_user
from flask_login import login_required

from app.esims import bp
from app.models import Esim


@bp.route("/dashboard")
@login_required
def dashboard():
    """One card per eSIM the customer owns."""
    return render_template("esims/dashboard.html", esims=list(Esim.owned_by(current_user)))
