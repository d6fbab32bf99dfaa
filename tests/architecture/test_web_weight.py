"""A web process stays light: what only workers use (PDF drawing, Twilio's REST client) and what
only some requests use (the Stripe SDK, dnspython) is never imported by the app a web worker
serves (docs/decisions.md, "Heavy libraries stay in the workers")."""

from __future__ import annotations

import json
import subprocess
import sys

from werkzeug.utils import import_string

from bbp.billing import stripe_api
from bbp.messaging import providers
from bbp.pdf import render
from tests.services import ROOT
from tests.support import process_env

WORKER_ONLY = (
    "fpdf",
    "fontTools",
    "PIL",
    "twilio.rest",
    "bbp.documents.pdf",
    "bbp.payments.receipt_pdf",
    "bbp.billing.invoice_pdf",
    "bbp.pdf.page",
    "bbp.messaging.twilio_sms",
    "stripe",  # loaded by the first billing or payment request (bbp/billing/sdk.py)
    "aiohttp",
    "requests",
    "bbp.billing.fake_stripe",
    "dns.resolver",  # loaded by the first custom-domain check
    "alembic",  # loaded by the first migration, agency made or health page; `flask db` only
    "mako",
    "flask_migrate",
)
LIST_MODULES = (  # a module bbp.lazy set aside, not yet executed, is not held
    "import json, sys, wsgi; print(json.dumps(sorted(n for n, m in sys.modules.items()"
    " if type(m).__name__ != '_LazyModule')))"
)


def test_serving_the_app_imports_no_pdf_drawing_no_twilio_client_and_no_stripe_sdk(app):
    run = subprocess.run(
        [sys.executable, "-c", LIST_MODULES],
        cwd=ROOT,
        env=process_env(app),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    modules = set(json.loads(run.stdout.splitlines()[-1]))
    assert "wsgi" in modules and "bbp.payments.receipts" in modules  # the app really loaded
    loaded = [m for m in modules if any(m == w or m.startswith(w + ".") for w in WORKER_ONLY)]
    assert sorted(loaded) == []


def test_the_command_line_still_has_flask_db(app):
    run = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "--help"],
        cwd=ROOT,
        env=process_env(app),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "upgrade" in run.stdout


def test_what_a_web_process_names_for_the_workers_exists():
    for path in (
        render.DOCUMENT,
        render.SIGNATURE_PNG,
        render.RECEIPT,
        providers.TWILIO_CARRIER,
        stripe_api.FAKE_STRIPE,
    ):
        assert callable(import_string(path))
