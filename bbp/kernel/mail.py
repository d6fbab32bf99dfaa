"""Outgoing email: SMTP in production, a per-tenant dev outbox in development and tests."""

from __future__ import annotations

import json
import smtplib
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from flask import current_app

from bbp.extensions import redis_client
from bbp.kernel.clock import utcnow
from bbp.kernel.keys import platform_key, scoped_key, tenant_key
from bbp.tenancy import current_tenant
from bbp.tenancy.jobs import enqueue

OUTBOX_LIMIT = 200
OUTBOX = ("dev", "outbox")
PLATFORM = "platform"


def outbox_key(scope: str) -> str:
    """Redis list holding the dev outbox of one tenant slug (or 'platform')."""
    return platform_key(*OUTBOX) if scope == PLATFORM else tenant_key(*OUTBOX, slug=scope)


def send(to: str, subject: str, body: str) -> None:
    """Send one plain-text email; agency SMTP mail goes out from a worker, not the request."""
    if current_app.config["MAIL_BACKEND"] == "outbox":
        _to_outbox(to, subject, body)
    elif current_tenant() is not None:
        enqueue(deliver, to, subject, body)
    else:
        deliver(to, subject, body)


def transmit(to: str, subject: str, body: str) -> None:
    """Hand one email over now, in this process: to SMTP, or to the dev outbox."""
    if current_app.config["MAIL_BACKEND"] == "outbox":
        _to_outbox(to, subject, body)
    else:
        deliver(to, subject, body)


def deliver(to: str, subject: str, body: str) -> None:
    """Hand one email to the SMTP server (a job for agency mail)."""
    url = urlsplit(current_app.config["SMTP_URL"])
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = (
        current_app.config["MAIL_FROM"],
        to,
        subject,
    )
    message.set_content(body)
    with smtplib.SMTP(url.hostname, url.port or 587, timeout=20) as smtp:
        smtp.starttls()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(message)


def outbox(scope: str) -> list[dict]:
    """Newest-first emails captured for one tenant (development only)."""
    return [
        json.loads(raw) for raw in redis_client().lrange(outbox_key(scope), 0, OUTBOX_LIMIT - 1)
    ]


def _to_outbox(to: str, subject: str, body: str) -> None:
    key = scoped_key(*OUTBOX)
    item = {"to": to, "subject": subject, "body": body, "at": utcnow().isoformat()}
    pipe = redis_client().pipeline()
    pipe.lpush(key, json.dumps(item))
    pipe.ltrim(key, 0, OUTBOX_LIMIT - 1)
    pipe.execute()
    current_app.logger.info("dev outbox: email to %s: %s", to, subject)
