"""Staff never read a one-time link or code: every purpose that carries one is masked everywhere."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bbp.extensions import db
from bbp.messaging import redact
from bbp.messaging import services as messaging
from bbp.messaging.models import Message
from bbp.messaging.providers import Sent
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


# Each purpose's text as its feature words it, and what staff read of it: bond and receipt
# numbers stay readable; codes and link tokens are hidden.
AS_SENT = {
    "portal_code": (
        "Alpha Bail Bonds code: 482913. It expires in 10 minutes. Do not share it with anyone.",
        "Alpha Bail Bonds code: [code hidden]. It expires in 10 minutes. "
        "Do not share it with anyone.",
    ),
    "portal_link": (
        f"Alpha Bail Bonds: sign in to your client portal: https://a.bbp.test/portal/in/{TOKEN}"
        " (this link works once, for 24 hours)",
        "Alpha Bail Bonds: sign in to your client portal: https://a.bbp.test/portal/in/[hidden]"
        " (this link works once, for 24 hours)",
    ),
    "signature": (
        f"Alpha Bail Bonds asks you to sign: Indemnity agreement for bond B-000017. "
        f"Open https://a.bbp.test/portal/sign/{TOKEN}",
        "Alpha Bail Bonds asks you to sign: Indemnity agreement for bond B-000017. "
        "Open https://a.bbp.test/portal/sign/[hidden]",
    ),
    "check_in": (
        f"Alpha Bail Bonds: time for your check-in. Open https://a.bbp.test/check-in/{TOKEN} "
        "and tap Check in. The link works once, for 24 hours.",
        "Alpha Bail Bonds: time for your check-in. Open https://a.bbp.test/check-in/[hidden] "
        "and tap Check in. The link works once, for 24 hours.",
    ),
    "pay_link": (
        f"Alpha Bail Bonds: pay $100.00 on bond B-000017 here: https://a.bbp.test/pay/{TOKEN} "
        "(until December 7)",
        "Alpha Bail Bonds: pay $100.00 on bond B-000017 here: https://a.bbp.test/pay/[hidden] "
        "(until December 7)",
    ),
    "receipt": (
        "Alpha Bail Bonds: we received $100.00 on bond B-000017. Receipt R-000123. 123456",
        "Alpha Bail Bonds: we received $100.00 on bond B-000017. Receipt R-000123. 123456",
    ),
}


@pytest.mark.parametrize("purpose", sorted(AS_SENT))
def test_staff_read_each_purposes_text_with_only_its_secrets_hidden(purpose):
    sent, read = AS_SENT[purpose]
    assert redact.shown(purpose, sent) == read


def test_a_code_next_to_a_bond_number_is_hidden_and_the_number_is_not():
    body = "Alpha code: 482913 for bond B-000017 (receipt R-2026-000123, ref 000017-A)."
    assert redact.shown("portal_code", body) == (
        "Alpha code: [code hidden] for bond B-000017 (receipt R-2026-000123, ref 000017-A)."
    )
    # A purpose nobody declared is assumed to carry a code, still never inside a number.
    assert redact.shown("mystery", body) == redact.shown("portal_code", body)


def test_a_pay_link_text_on_the_bond_page_shows_the_bond_number(owner, app, tenant):
    """The bond page's Texts list and its Timeline both show the text as staff may read it."""
    book = make_book(app, tenant, number="B-000017")
    with inside(app, tenant):
        db.session.add(
            Message(
                phone="+13055550177",
                body=AS_SENT["pay_link"][0],
                purpose="pay_link",
                status="sent",
                bond_id=book.bond_id,
                indemnitor_id=book.cosigner_id,
            )
        )
        db.session.commit()
    page = owner.get(f"/bonds/{book.bond_id}").get_data(as_text=True)
    assert page.count("pay $100.00 on bond B-000017 here: https://a.bbp.test/pay/[hidden]") == 2
    assert TOKEN not in page and "[code hidden]" not in page


class _Carrier:
    """A real carrier's answer (not the development fake, whose outbox keeps bodies readable)."""

    def send(self, to: str, body: str) -> Sent:
        return Sent("SM" + "0" * 32, "sent", 1)


@pytest.mark.parametrize("purpose", sorted(AS_SENT))
def test_the_body_kept_once_a_carrier_took_it_hides_the_same_and_no_more(purpose):
    sent, read = AS_SENT[purpose]
    row = SimpleNamespace(id=1, phone="+13055550177", body=sent, purpose=purpose, attempts=1)
    outcome = messaging.send_claimed(row, _Carrier())
    assert outcome.values.get("body", sent) == read
