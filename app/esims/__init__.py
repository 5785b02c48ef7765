from flask import Blueprint

bp = Blueprint("esims", __name__)

from app.esims import views  # noqa: E402,F401
