#!/bin/sh
# Container entrypoint: migrations run here (never in the app factory), then one process.
set -e
case "${1:-web}" in
  web)
    flask db upgrade
    flask tenants migrate
    # Every gunicorn worker keeps its request metrics in files here, so a scrape of /metrics
    # from any worker reports them all; emptied at each start (docs/development.md, Metrics).
    export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-/tmp/bbp-metrics}"
    rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    # The logger class keeps one-time link tokens out of the access log (bbp/web/weblog.py).
    exec gunicorn --bind 0.0.0.0:8000 --workers "${WEB_CONCURRENCY:-3}" --access-logfile - \
      --logger-class bbp.web.weblog.RedactingLogger wsgi:app
    ;;
  worker)    exec flask worker ;;
  scheduler) exec flask scheduler ;;
  *)         exec "$@" ;;
esac
