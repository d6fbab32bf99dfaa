"""The front door of each host, and the development outbox."""

from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, g, redirect, request, url_for
from flask_login import current_user

from bbp.core import bp
from bbp.kernel import mail
from bbp.messaging import queries as sms
from bbp.web.rendering import render

LOOPBACK = {"127.0.0.1", "::1"}


@bp.get("/")
def index():
    """Send each kind of host to its start page."""
    if g.site == "platform":
        return redirect(url_for("platform.console"))
    if g.site == "tenant":
        target = "dashboard.index" if current_user.is_authenticated else "auth.login"
        return redirect(url_for(target))
    return render("core/landing.html")


@bp.get("/dev/outbox")
def outbox():
    """Emails the app would have sent, per agency; only outside production and from this machine."""
    if current_app.config["BBP_ENV"] == "production" or request.remote_addr not in LOOPBACK:
        abort(404)
    scope = g.tenant.slug if g.tenant else "platform"
    texts = sms.outbox() if g.tenant else []
    messages = [{**m, "at": datetime.fromisoformat(m["at"])} for m in mail.outbox(scope)]
    return render("core/outbox.html", messages=messages, texts=texts, scope=scope)
