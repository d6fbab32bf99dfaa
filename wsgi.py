"""WSGI entry point for gunicorn, and the app the `flask` command line loads (`--app wsgi`)."""

import os

from bbp import create_app

# Flask's command line sets FLASK_RUN_FROM_CLI before it loads the app: `flask db` is there, and
# under gunicorn, where nobody migrates, Flask-Migrate and Alembic are never imported.
app = create_app(migrations=os.environ.get("FLASK_RUN_FROM_CLI") == "true")
