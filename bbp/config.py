"""Settings from the environment (12-factor); production refuses to start without its secrets."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from bbp import prodcheck
from bbp.kernel.logs import log_format
from bbp.vault.keyring import development_spec

ENVIRONMENTS = ("development", "testing", "production")
REQUIRED_IN_PRODUCTION = (
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "BBP_DOMAIN",
    "BBP_MASTER_KEYS",
)
SMS_BACKENDS = ("twilio", "fake")
MAIL_BACKENDS = ("smtp", "outbox")


class ConfigError(RuntimeError):
    """The environment is missing or misstates a setting the app cannot run without."""


def sqlalchemy_url(url: str) -> str:
    """Point a plain postgres URL at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _dev_secret(instance_path: Path, name: str) -> str:
    """Read or create a development-only secret under instance/ so restarts keep sessions."""
    instance_path.mkdir(parents=True, exist_ok=True)
    path = instance_path / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def load(instance_path: Path, overrides: dict | None = None) -> dict:
    """Build the Flask config mapping for BBP_ENV from os.environ plus test overrides."""
    env = os.environ
    overrides = overrides or {}
    bbp_env = overrides.get("BBP_ENV") or env.get("BBP_ENV", "development")
    if bbp_env not in ENVIRONMENTS:
        raise ConfigError(f"BBP_ENV must be one of {', '.join(ENVIRONMENTS)}, not {bbp_env!r}")
    production = bbp_env == "production"
    sms_backend = _choice(env, "SMS_BACKEND", SMS_BACKENDS, "fake")
    mail_backend = _choice(env, "MAIL_BACKEND", MAIL_BACKENDS, "smtp" if production else "outbox")
    if production:
        check_production(env, sms_backend, mail_backend)

    secret_key = env.get("SECRET_KEY") or _dev_secret(instance_path, "secret_key")
    master_keys = env.get("BBP_MASTER_KEYS") or development_spec(instance_path)
    database_url = env.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bbp")
    try:
        logs = log_format({**env, "BBP_ENV": bbp_env})
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    config = {
        "BBP_ENV": bbp_env,
        "SECRET_KEY": secret_key,
        # Field-encryption master keys, "id:base64,id:base64", current first (see bbp/vault).
        "BBP_MASTER_KEYS": master_keys,
        "SQLALCHEMY_DATABASE_URI": sqlalchemy_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "pool_size": int(env.get("DB_POOL_SIZE", "5")),
            # Server-side prepared statements break behind PgBouncer in transaction mode.
            "connect_args": {"prepare_threshold": None},
        },
        "REDIS_URL": env.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        # The apex domain tenants hang off: "<slug>.<BBP_DOMAIN>". May carry a port in development.
        "BBP_DOMAIN": env.get("BBP_DOMAIN", "localhost:5000"),
        "PREFERRED_URL_SCHEME": "https" if production else env.get("BBP_URL_SCHEME", "http"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": int(env.get("SESSION_LIFETIME_SECONDS", str(12 * 3600))),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the (tenant-bound) session
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "STORAGE_BACKEND": env.get("STORAGE_BACKEND", "local"),
        "STORAGE_ROOT": env.get("STORAGE_ROOT", str(instance_path / "uploads")),
        # Days an agency archive (export) is kept before the cleanup deletes it.
        "ARCHIVE_DAYS": int(env.get("ARCHIVE_DAYS", "7")),
        # Dunning (docs/billing-dunning.md): days past due before read-only, then before
        # billing-suspended. Empty Stripe key: the console can simulate payments instead.
        "DUNNING_GRACE_DAYS": int(env.get("DUNNING_GRACE_DAYS", "14")),
        "DUNNING_SUSPEND_DAYS": int(env.get("DUNNING_SUSPEND_DAYS", "30")),
        "LOCKOUT_THRESHOLD": int(env.get("LOCKOUT_THRESHOLD", "5")),
        "LOCKOUT_MINUTES": int(env.get("LOCKOUT_MINUTES", "15")),
        "PASSWORD_LINK_HOURS": int(env.get("PASSWORD_LINK_HOURS", "48")),
        "CHECKIN_LINK_HOURS": int(env.get("CHECKIN_LINK_HOURS", "24")),
        # How long a web worker trusts what it read about an agency (bbp/tenancy/resolver.py).
        "TENANT_CACHE_SECONDS": float(env.get("TENANT_CACHE_SECONDS", "5")),
        "TENANT_MIGRATION_WORKERS": int(env.get("TENANT_MIGRATION_WORKERS", "4")),
        # Tenant schemas kept made ahead, so creating an agency renames one (bbp/platform/pool.py).
        "SPARE_SCHEMAS": int(env.get("SPARE_SCHEMAS", "0" if bbp_env == "testing" else "2")),
        # X-Forwarded-* hops set by proxies we run; 0 trusts none (a client can write them).
        "TRUSTED_PROXY_HOPS": _hops(env.get("TRUSTED_PROXY_HOPS", "0")),
        "MAIL_BACKEND": mail_backend,
        "SMTP_URL": env.get("SMTP_URL", ""),
        # Texts: "fake" (kept in the database, shown on the dev outbox) or "twilio".
        "SMS_BACKEND": sms_backend,
        "SMS_FAKE_DELAY_MS": int(env.get("SMS_FAKE_DELAY_MS", "0")),  # fake carrier latency
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID", ""),
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN", ""),
        "TWILIO_SENDER": env.get("TWILIO_SENDER", ""),  # +1… number or MG… messaging service
        # What the platform's sender carries, segments per second (0: by its kind for Twilio,
        # unlimited for the fake); how far ahead of the carrier texts may be booked, in seconds.
        "SMS_SENDER_RATE": float(env.get("SMS_SENDER_RATE", "0")),
        "SMS_QUEUE_AHEAD_SECONDS": float(env.get("SMS_QUEUE_AHEAD_SECONDS", "2")),
        # Texts staff trigger (sign-in and signing links, one-off texts), per one-hour window.
        "STAFF_TEXTS_PER_RECIPIENT_HOUR": int(env.get("STAFF_TEXTS_PER_RECIPIENT_HOUR", "5")),
        "STAFF_TEXTS_PER_AGENCY_HOUR": int(env.get("STAFF_TEXTS_PER_AGENCY_HOUR", "200")),
        # The platform's Stripe secret key; empty: billing runs on the fake (billing/stripe_api.py).
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY", ""),
        # The webhook endpoint's signing secret (whsec_…, from Stripe's Dashboard); without a
        # Stripe key the fake signs its events with a fixed development secret instead.
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET", ""),
        # The Connect endpoint's own signing secret (events from agencies' connected accounts).
        "STRIPE_CONNECT_WEBHOOK_SECRET": env.get("STRIPE_CONNECT_WEBHOOK_SECRET", ""),
        # How the fake's events reach the endpoint: "worker" (a job per event, make run) or
        # "manual" (tests deliver them, in whatever order they test).
        "STRIPE_FAKE_DELIVERY": _choice(
            env,
            "STRIPE_FAKE_DELIVERY",
            ("worker", "manual"),
            "manual" if bbp_env == "testing" else "worker",
        ),
        # Stripe Tax computes sales tax on subscriptions (docs/billing.md, "Taxes"); off by default.
        "STRIPE_AUTOMATIC_TAX": env.get("STRIPE_AUTOMATIC_TAX", "0") == "1",
        "MAIL_FROM": env.get("MAIL_FROM", "BailBondPro <no-reply@bbp.example>"),
        # "json": one JSON object per log line with request id, agency and job (production's
        # default); "text" leaves Flask's and RQ's own lines (development and tests).
        "LOG_FORMAT": logs,
        # Bearer token Prometheus sends to /metrics; empty turns /metrics off (404 everywhere).
        "METRICS_TOKEN": env.get("METRICS_TOKEN", ""),
        # Draw PDFs in the requesting process instead of a worker (bbp/pdf/render.py): tests.
        "PDF_INLINE": env.get("PDF_INLINE", "1" if bbp_env == "testing" else "0") == "1",
        "ARGON2_PROFILE": "fast" if bbp_env == "testing" else "default",
        "TESTING": bbp_env == "testing",
    }
    config.update(overrides)
    return config


def check_production(env, sms_backend: str, mail_backend: str) -> None:
    """Refuse to start production with missing or guessable secrets or with fake carriers."""
    missing = [name for name in REQUIRED_IN_PRODUCTION if not env.get(name)]
    if missing:
        raise ConfigError("production needs these environment variables: " + ", ".join(missing))
    problems = prodcheck.problems(env, sms_backend, mail_backend)
    if problems:
        raise ConfigError("production refuses to start:\n- " + "\n- ".join(problems))


def _choice(env, name: str, choices: tuple[str, ...], default: str) -> str:
    """A backend name from the environment; a typo must not quietly mean the fake one."""
    value = env.get(name, default)
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _hops(value: str) -> int:
    """TRUSTED_PROXY_HOPS as a count of proxies (0 or more)."""
    if not value.isdigit():
        raise ConfigError(f"TRUSTED_PROXY_HOPS must be a whole number of proxies, not {value!r}")
    return int(value)
