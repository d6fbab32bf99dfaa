"""gunicorn settings for production (docker/entrypoint.sh) and for the load benchmark (bench/pages.py)."""

import gc
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# Access log on stdout; the logger class keeps one-time link tokens out of it (bbp/web/weblog.py).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
logger_class = "bbp.web.weblog.RedactingLogger"
# The app is imported once in the master, then forked: workers start at once and share its pages
# copy-on-write; freezing the collector's view of them keeps a collection from copying them all.
preload_app = True


def pre_fork(server, worker):
    gc.freeze()
