"""Staff never read a one-time link or code: every purpose that carries one is masked everywhere."""

from __future__ import annotations

import pytest

from bbp.extensions import db
from bbp.messaging import redact
from bbp.messaging import services as messaging
from bbp.messaging.models import Message
from tests.portal.conftest import inside, make_book

TOKEN = "SeCrEtToKeN_0123456789abcdef"
CODE = "482913"
SECRET_PURPOSES = sorted(name for name, p in redact.PURPOSES.items() if p.secret)
# Token routes whose links are only ever emailed to staff, never texted.
# Token routes no text ever carries: emailed set-password links (staff and console) and the
# support hand-over, shown to the admin on the console.
NEVER_TEXTED = {"/set-password/", "/platform/set-password/", "/support-access/enter/"}
STAFF_PAGES = {
    "bond page": "/bonds/{bond_id}",
    "defendant page": "/defendants/{defendant_id}",
    "cosigner page": "/indemnitors/{cosigner_id}",
}


def _body(purpose: redact.Purpose) -> str:
    """A text as the feature would send it: its link with a token, and its code if any."""
    parts = ["Alpha Bail Bonds:"]
    if purpose.link:
        parts.append(f"open https://alpha.bbp.test{purpose.link}{TOKEN} today.")
    if purpose.code:
        parts.append(f"Your code is {CODE}.")
    return " ".join(parts)


@pytest.mark.parametrize("page", sorted(STAFF_PAGES))
@pytest.mark.parametrize("purpose", SECRET_PURPOSES)
def test_every_secret_bearing_text_is_masked_on_every_staff_page(purpose, page, owner, app, tenant):
    book = make_book(app, tenant)
    declared = redact.PURPOSES[purpose]
    with inside(app, tenant):
        db.session.add(
            Message(
                phone="+13055550177",
                body=_body(declared),
                purpose=purpose,
                status="sent",
                bond_id=book.bond_id,
                defendant_id=book.defendant_id,
                indemnitor_id=book.cosigner_id,
            )
        )
        db.session.commit()
    url = STAFF_PAGES[page].format(**vars(book))
    body = owner.get(url).get_data(as_text=True)
    assert "Alpha Bail Bonds: " in body  # the text is on the page …
    assert TOKEN not in body and CODE not in body  # … without its secret
    if declared.link:
        assert f"{declared.link}[hidden]" in body
    if declared.code:
        assert "[code hidden]" in body


def test_a_text_with_an_undeclared_purpose_cannot_be_queued(app, tenant):
    with inside(app, tenant), pytest.raises(redact.UndeclaredPurpose):
        messaging.queue("3055550142", "Pay here: https://x/pay/abc", "payment_link")


def test_every_texted_token_route_is_declared_as_a_link(app):
    declared = {p.link for p in redact.PURPOSES.values() if p.link}
    prefixes = {
        rule.rule.split("<token>", 1)[0]
        for rule in app.url_map.iter_rules()
        if "token" in rule.arguments
    }
    assert prefixes - NEVER_TEXTED == declared
