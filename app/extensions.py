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
    # Every limit guards a form submission; skipping the check on reads saves work on every page.
    return request.method in READS


def init_limiter(app):
    """Bind the limiter, with its before-request check skipped on reads.

    Flask-Limiter's hook resolves the endpoint's limits before asking the request
    filter above, which cost more than anything else done before a page's view.
    """
    limiter.init_app(app)
    hooks = app.before_request_funcs[None]
    check = limiter._check_request_limit

    def check_writes():
        if request.method not in READS:
            return check()
        return None

    hooks[hooks.index(check)] = check_writes


login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.login_message_category = "info"
