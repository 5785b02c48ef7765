from flask import Blueprint

bp = Blueprint("telegram", __name__)

from app.telegram import views  # noqa: E402,F401
