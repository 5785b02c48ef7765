from flask import Blueprint

bp = Blueprint("find", __name__)

from app.find import views  # noqa: E402,F401
