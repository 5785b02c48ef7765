from flask import Blueprint

bp = Blueprint("esims", __name__)

from app.esims import deleted  # noqa: E402,F401
from app.esims import views  # noqa: E402,F401
