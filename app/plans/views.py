"""The landing page: the plan catalogue, grouped by kind."""

from flask import render_template

from app.plans import bp
from app.services import catalogue


@bp.route("/")
def index():
    """Show every plan on sale, daily, monthly and yearly."""
    return render_template("plans/index.html", groups=catalogue.grouped_plans())
