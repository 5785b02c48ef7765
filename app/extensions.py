"""Extension objects, created once here and bound to the app in create_app."""

from flask import request
from flask_babel import Babel
from flask_babel import lazy_gettext as _l
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from peewee import DatabaseProxy

db = DatabaseProxy()
babel = Babel()
compress = Compress()
csrf = CSRFProtect()
htmx = Htmx()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
login_manager = LoginManager()


READS = ("GET", "HEAD", "OPTIONS")


@limiter.request_filter
def _reads_are_not_limited():
    # Every limit guards a form submission (each is declared for POST only).
    return request.method in READS


login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.login_message_category = "info"
