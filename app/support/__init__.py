from flask import Blueprint

bp = Blueprint("support", __name__, url_prefix="/support")

from app.support import balance  # noqa: E402,F401
from app.support import khqr  # noqa: E402,F401
from app.support import people  # noqa: E402,F401
from app.support import refunds  # noqa: E402,F401
from app.support import views  # noqa: E402,F401
from app.support import wording  # noqa: E402,F401
