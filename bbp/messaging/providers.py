"""Who carries texts: Twilio through its official SDK, or a fake that keeps them for the outbox.

Both return a `Sent` or raise `ProviderError(permanent=...)`: permanent errors (invalid number,
recipient opted out at the carrier) are recorded and never retried.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from flask import current_app
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bbp.settings import services as settings
from bbp.vault.services import decrypt

# Twilio error codes that no retry can fix.
PERMANENT = {
    21211: "invalid",
    21214: "invalid",
    21408: "invalid",
    21610: "opted_out",
    21612: "invalid",
    21614: "invalid",
}


@dataclass(frozen=True)
class Sent:
    """What the provider said when it accepted a text."""

    provider_id: str
    status: str
    segments: int


class ProviderError(Exception):
    """The provider refused a text; `permanent` says whether retrying can help."""

    def __init__(self, message: str, permanent: bool, opted_out: bool = False):
        super().__init__(message)
        self.permanent, self.opted_out = permanent, opted_out


def segments(body: str) -> int:
    """SMS segments a body takes (GSM-7 160/153, otherwise UCS-2 70/67)."""
    gsm = all(ord(c) < 128 for c in body)
    single, multi = (160, 153) if gsm else (70, 67)
    return 1 if len(body) <= single else -(-len(body) // multi)


class FakeProvider:
    """Development and tests: accepts every text (the dev outbox lists them from the database)."""

    def __init__(self, delay_ms: int = 0):
        self.delay = delay_ms / 1000  # a carrier's latency, to rehearse failures in development

    def send(self, to: str, body: str) -> Sent:
        if self.delay:
            time.sleep(self.delay)
        if to.endswith("0000000"):  # a number that cannot exist, to see failures in dev
            raise ProviderError("The number is not a valid phone number.", permanent=True)
        return Sent(f"FAKE{secrets.token_hex(12)}", "sent", segments(body))


class TwilioProvider:
    """The real carrier, through the official SDK (its HTTP client is swappable for tests)."""

    def __init__(self, account_sid: str, auth_token: str, sender: str, http_client=None):
        self.client = Client(account_sid, auth_token, http_client=http_client)
        self.sender = sender

    def send(self, to: str, body: str) -> Sent:
        sender = (
            {"messaging_service_sid": self.sender}
            if self.sender.startswith("MG")
            else {"from_": self.sender}
        )
        try:
            message = self.client.messages.create(to=to, body=body, **sender)
        except TwilioRestException as exc:
            kind = PERMANENT.get(exc.code or 0)
            raise ProviderError(
                f"Twilio {exc.code}: {exc.msg}",
                permanent=kind is not None,
                opted_out=kind == "opted_out",
            ) from None
        return Sent(message.sid, message.status or "queued", int(message.num_segments or 1))


def provider(http_client=None):
    """The carrier for the bound agency: its own Twilio sender and account when set, else the
    platform's; the fake one when texts are off (development and tests)."""
    config = current_app.config
    if config.get("SMS_BACKEND", "fake") != "twilio":
        return FakeProvider(int(config.get("SMS_FAKE_DELAY_MS", 0)))
    sid, token, sender = agency_credentials()
    return TwilioProvider(sid, token, sender, http_client=http_client)


def agency_credentials() -> tuple[str, str, str]:
    """(account SID, auth token, sender) for the bound agency, platform values as fallback."""

    config = current_app.config
    own = settings.current()
    sid, token = config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"]
    if own.twilio_account_sid and own.twilio_auth_token_encrypted:
        sid = own.twilio_account_sid
        token = decrypt("settings.twilio_auth_token", own.twilio_auth_token_encrypted)
    return sid, token, own.sms_sender or config["TWILIO_SENDER"]
