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
    # Settings (workers, access log, the redacting logger) in one file the benchmark uses too.
    exec gunicorn --config /app/gunicorn.conf.py wsgi:app
    ;;
  worker)    exec flask worker ;;
  scheduler) exec flask scheduler ;;
  *)         exec "$@" ;;
esac
