# syntax=docker/dockerfile:1
# Build stage: compile wheels for the app and its dependencies.
FROM python:3.11-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir --upgrade pip
COPY pyproject.toml ./
COPY bbp ./bbp
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# Runtime stage: only the wheels and the files the CLI needs, run as a non-root user.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 BBP_ENV=production FLASK_APP=wsgi
RUN useradd --create-home --uid 10001 bbp
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
COPY wsgi.py docker/gunicorn.conf.py ./
COPY migrations ./migrations
COPY tenants ./tenants
COPY bbp ./bbp
COPY docker/entrypoint.sh /usr/local/bin/bbp-entrypoint
RUN chmod 0755 /usr/local/bin/bbp-entrypoint && mkdir -p /app/instance && chown bbp /app/instance
USER bbp
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
ENTRYPOINT ["bbp-entrypoint"]
CMD ["web"]
