"""The eSIM portal: create_app builds the Flask application."""

from pathlib import Path

from flask import Flask
from werkzeug.routing import IntegerConverter

from app import config as settings


class DatabaseId(IntegerConverter):
    """`<int:...>` in our URLs: at most the largest id a 64-bit integer column holds."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config=None):
    """Build the app; `config` (a dict) overrides settings read from the environment."""
    from app.text import TIMEZONE

    app = Flask(__name__, instance_relative_config=True)
    # Ids in URLs fit the database's 64-bit integers; a larger one is simply not found (404).
    app.url_map.converters["int"] = DatabaseId
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(settings.from_environment(app.instance_path))
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        BABEL_TRANSLATION_DIRECTORIES=str(settings.PROJECT_ROOT / "translations"),
        BABEL_DEFAULT_TIMEZONE=TIMEZONE,
        COMPRESS_ALGORITHM=["br", "gzip"],
        # Pages and fragments (1-5 KB) at brotli quality 1: about 200 thousand instructions where
        # quality 4 took 640 thousand, for about 200 bytes more (bench/brotli_levels.py). Static
        # files are compressed once, at quality 11, by app/web/assets.py.
        COMPRESS_BR_LEVEL=1,
        COMPRESS_MIN_SIZE=256,
        WTF_CSRF_TIME_LIMIT=None,
        # Said outright: the limiter object is shared by every app in the process, and without
        # this setting an app would inherit the last one's choice.
        RATELIMIT_ENABLED=True,
        # No form here takes more than a few kilobytes: a larger body is refused before it is read.
        MAX_CONTENT_LENGTH=256 * 1024,
        WTF_I18N_ENABLED=False,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    if config:
        app.config.update(config)
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    if app.config.get("TESTING") and "OPERATOR_APPLY_DELAY" not in (config or {}):
        app.config["OPERATOR_APPLY_DELAY"] = 0
    settings.settle(app.config)
    settings.check(app.config)

    from app import database
    from app import worker
    from app.extensions import compress
    from app.extensions import csrf
    from app.extensions import htmx
    from app.extensions import limiter
    from app.extensions import login_manager
    from app.web import access_log
    from app.web import assets
    from app.web import csrf as csrf_tokens
    from app.web import errors
    from app.web import locale
    from app.web import remembered
    from app.web import security
    from app.web import templating

    access_log.init_app(app)
    database.init_app(app)
    worker.init_app(app)
    locale.init_app(app)
    templating.init_app(app)
    remembered.init_app(app)
    security.init_app(app)
    assets.init_app(app)
    errors.init_app(app)
    csrf.init_app(app)
    csrf_tokens.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    compress.init_app(app)

    from app.auth import bp as auth_bp
    from app.cards import bp as cards_bp
    from app.checkout import bp as checkout_bp
    from app.esims import bp as esims_bp
    from app.find import bp as find_bp
    from app.orders import bp as orders_bp
    from app.plans import bp as plans_bp
    from app.shop import bp as shop_bp
    from app.support import bp as support_bp
    from app.telegram import bp as telegram_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(plans_bp)
    app.register_blueprint(esims_bp)
    app.register_blueprint(find_bp)
    app.register_blueprint(orders_bp)
    app.register_blueprint(checkout_bp)
    app.register_blueprint(cards_bp)
    app.register_blueprint(shop_bp)
    app.register_blueprint(support_bp)
    app.register_blueprint(telegram_bp)

    from app import cli

    cli.init_app(app)
    return app
