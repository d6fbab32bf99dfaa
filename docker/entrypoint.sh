#!/bin/sh
# Container entrypoint: migrations run here (never in the app factory), then one process.
set -e
case "${1:-web}" in
  web)
    flask db upgrade
    flask tenants migrate
    # Settings (workers, access log, the redacting logger) in one file the benchmark uses too.
    exec gunicorn --config /app/gunicorn.conf.py wsgi:app
    ;;
  worker)    exec flask worker ;;
  scheduler) exec flask scheduler ;;
  *)         exec "$@" ;;
esac
