"""Entry point for gunicorn and the flask command: `flask --app wsgi run`."""

import sys

from app import create_app
from app.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    sys.exit(f"eSIM portal not started: {exc}")
