from flask import Blueprint

bp = Blueprint("checkout", __name__)

from app.checkout import khqr  # noqa: E402,F401
from app.checkout import views  # noqa: E402,F401
