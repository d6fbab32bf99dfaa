#!/bin/sh
# Container entrypoint: migrations run here (never in the app factory), then one process.
set -e
case "${1:-web}" in
  web)
    flask db upgrade
    flask tenants migrate
    exec gunicorn --bind 0.0.0.0:8000 --workers "${WEB_CONCURRENCY:-3}" --access-logfile - wsgi:app
    ;;
  worker)    exec flask worker ;;
  scheduler) exec flask scheduler ;;
  *)         exec "$@" ;;
esac
