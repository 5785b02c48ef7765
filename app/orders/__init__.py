from flask import Blueprint

bp = Blueprint("orders", __name__)

from app.orders import balance  # noqa: E402,F401
from app.orders import views  # noqa: E402,F401
