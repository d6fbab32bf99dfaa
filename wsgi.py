"""WSGI entry point for gunicorn and `flask run`."""

from bbp import create_app

app = create_app()
