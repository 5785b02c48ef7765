"""Entry point for gunicorn and the flask command: `flask --app wsgi run`."""

from app import create_app

app = create_app()
