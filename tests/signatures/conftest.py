"""Signature fixtures: a bond to send documents from, and the signer's path through the link."""

from __future__ import annotations

import base64
import io
import re

import pytest
from PIL import Image, ImageDraw
from rq import Queue, SimpleWorker

from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.signatures import services
from bbp.signatures.models import SignatureRequest
from tests.portal.conftest import COSIGNER_PHONE, inside, last_code, make_book, texts_to
from tests.support import add_user

LINK = re.compile(r"https?://[^\s]+/portal/sign/[^\s]+")


def send(app, agency, book, kind="indemnity", who="cosigner", channel="sms", by=None) -> int:
    """Send a document for signature as an agent; returns the request id (not yet delivered)."""
    by = by or add_user(app, agency.info, "agent")
    signer = (
        f"cosigner:{book.cosigner_id}" if who == "cosigner" else f"defendant:{book.defendant_id}"
    )
    with inside(app, agency):
        bond = db.session.get(Bond, book.bond_id)
        return services.create(bond, kind, signer, channel, by).id


def work(app, redis) -> None:
    """Run every queued job (delivery, texts) with a real RQ worker, in this process."""
    with app.app_context():
        SimpleWorker([Queue("default", connection=redis)], connection=redis).work(burst=True)


def link_path(app, agency, phone=COSIGNER_PHONE) -> str:
    """The path of the latest signing link texted to phone."""
    for text in reversed(texts_to(app, agency, phone)):
        found = LINK.search(text.body)
        if found:
            return "/" + found.group(0).split("/", 3)[3]
    raise AssertionError("no signing link was texted")


def fetch(app, agency, request_id: int) -> SignatureRequest:
    """A request with its events, detached."""
    with inside(app, agency):
        item = db.session.get(SignatureRequest, request_id)
        _ = list(item.events)
        db.session.expunge_all()
        return item


def signature_png() -> str:
    """A drawn signature as the browser posts it (a data URL of a PNG)."""
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(40, 150), (200, 40), (320, 160), (560, 60)], fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def verify_and_consent(visitor, app, agency, path, phone=COSIGNER_PHONE):
    """Walk the signer through the code and the consent screen."""
    visitor.get(path)
    assert visitor.post(f"{path}/code").status_code == 200
    response = visitor.post(f"{path}/verify", {"code": last_code(app, agency, phone)})
    assert response.status_code == 302
    assert "Step 2 of 3" in visitor.get(path).get_data(as_text=True)
    assert visitor.post(f"{path}/consent", {"agree": "y"}).status_code == 302


@pytest.fixture
def book(app, tenant):
    return make_book(app, tenant)


@pytest.fixture
def sent(app, tenant, redis, book):
    """An indemnity agreement sent to the cosigner by text; returns (request id, link path)."""
    request_id = send(app, tenant, book)
    work(app, redis)
    return request_id, link_path(app, tenant)
