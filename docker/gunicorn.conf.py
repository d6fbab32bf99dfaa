"""gunicorn settings for production (docker/entrypoint.sh) and for the load benchmark (bench/pages.py)."""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# Access log on stdout; the logger class keeps one-time link tokens out of it (bbp/web/weblog.py).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
logger_class = "bbp.web.weblog.RedactingLogger"
