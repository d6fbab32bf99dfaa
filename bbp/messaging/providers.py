"""Who carries texts: Twilio through its official SDK, or a fake that keeps them for the outbox.

Both return a `Sent` or raise `ProviderError(permanent=...)`: permanent errors (invalid number,
recipient opted out at the carrier) are recorded and never retried. Each carries for one
`Sender` with a rate in segments per second, which `bbp/messaging/pacing.py` keeps to.

Twilio's carrier (`bbp/messaging/twilio_sms.py`, with the SDK's REST client) is named here by
its path and loaded the first time a worker sends through it: web processes only queue texts,
so they never load the SDK's client (docs/decisions.md, "Heavy libraries stay in the workers").
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from flask import current_app
from werkzeug.utils import import_string

from bbp.extensions import redis_client
from bbp.kernel.keys import platform_key
from bbp.settings import services as settings
from bbp.vault.services import decrypt

# What Twilio takes from one sender toward US numbers, in segments per second (docs/reminders.md,
# "Pacing"): a long code 1, a toll-free number 3, a short code 100. A messaging service carries
# what its numbers add up to, so its rate is configured; until then it counts as one long code.
LONG_CODE, TOLL_FREE, SHORT_CODE = 1.0, 3.0, 100.0
TOLL_FREE_AREAS = ("800", "833", "844", "855", "866", "877", "888")
# The fake carrier's queue fails what would wait longer than this (Twilio: the validity period).
FAKE_QUEUE_SECONDS = 4 * 3600
_FAKE_CARRIER = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local free = math.max(tonumber(redis.call('HGET', KEYS[1], 'free') or 0), now)
local waited = free - now
if waited > tonumber(ARGV[2]) then return '-1' end
redis.call('HSET', KEYS[1], 'free', tostring(free + tonumber(ARGV[1])))
if waited > tonumber(redis.call('HGET', KEYS[1], 'longest') or 0) then
  redis.call('HSET', KEYS[1], 'longest', tostring(waited))
end
redis.call('EXPIRE', KEYS[1], 86400)
return tostring(waited)
"""


@dataclass(frozen=True)
class Sender:
    """Who a text goes out from: a number, short code or messaging service, and its rate."""

    address: str
    rate: float | None  # segments per second; None: nothing to keep to (the plain dev fake)

    @property
    def key(self) -> str:
        """The sender in Redis key names (a digest: no phone numbers in keys)."""
        return hashlib.sha256(self.address.encode()).hexdigest()[:24]


def kind_rate(address: str) -> float:
    """The rate Twilio gives a sender of this kind when nobody configured one."""
    digits = address.removeprefix("+")
    if address.startswith("MG"):
        return LONG_CODE
    if len(digits) <= 6:
        return SHORT_CODE
    if len(digits) == 11 and digits[0] == "1" and digits[1:4] in TOLL_FREE_AREAS:
        return TOLL_FREE
    return LONG_CODE


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
    """Development and tests: accepts every text (the dev outbox lists them from the database).

    With a rate it models the carrier's queue as Twilio runs it: segments leave at the sender's
    rate, and a text that would wait longer than the validity period fails (Twilio's 30001).
    """

    def __init__(self, delay_ms: int = 0, sender: Sender | None = None):
        self.delay = delay_ms / 1000  # a carrier's latency, to rehearse failures in development
        self.sender = sender or Sender("fake", None)

    def send(self, to: str, body: str) -> Sent:
        if self.delay:
            time.sleep(self.delay)
        if to.endswith("0000000"):  # a number that cannot exist, to see failures in dev
            raise ProviderError("The number is not a valid phone number.", permanent=True)
        if self.sender.rate and float(self._queue(segments(body))) < 0:
            raise ProviderError("Fake carrier 30001: Queue overflow", permanent=False)
        return Sent(f"FAKE{secrets.token_hex(12)}", "sent", segments(body))

    def _queue(self, count: int) -> str:
        """Seconds the text waits in the fake carrier's queue, or -1 when the queue is full."""
        return redis_client().eval(
            _FAKE_CARRIER, 1, carrier_key(self.sender), count / self.sender.rate, FAKE_QUEUE_SECONDS
        )


def carrier_key(sender: Sender) -> str:
    """The fake carrier's queue of a sender: when it is next free, the longest wait so far."""
    return platform_key("sms", "fake-carrier", sender.key)


TWILIO_CARRIER = "bbp.messaging.twilio_sms:TwilioProvider"


def provider(http_client=None):
    """The carrier for the bound agency: its own Twilio sender and account when set, else the
    platform's; the fake one when texts are off (development and tests)."""
    config = current_app.config
    if config.get("SMS_BACKEND", "fake") != "twilio":
        own = settings.current()
        address = own.sms_sender or config.get("TWILIO_SENDER") or "fake"
        sender = Sender(address, sender_rate(own) or None)
        return FakeProvider(int(config.get("SMS_FAKE_DELAY_MS", 0)), sender)
    sid, token, address = agency_credentials()
    rate = sender_rate(settings.current())
    carrier = import_string(TWILIO_CARRIER)
    return carrier(sid, token, address, http_client=http_client, rate=rate)


def sender_rate(own) -> float:
    """The configured rate of the bound agency's sender: its own setting when it has its own
    sender, else the platform's SMS_SENDER_RATE; 0 when none is set (the kind decides)."""
    if own.sms_sender:
        return float(own.sms_sender_rate or 0)
    return float(current_app.config.get("SMS_SENDER_RATE") or 0)


def agency_credentials() -> tuple[str, str, str]:
    """(account SID, auth token, sender) for the bound agency, platform values as fallback."""

    config = current_app.config
    own = settings.current()
    sid, token = config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"]
    if own.twilio_account_sid and own.twilio_auth_token_encrypted:
        sid = own.twilio_account_sid
        token = decrypt("settings.twilio_auth_token", own.twilio_auth_token_encrypted)
    return sid, token, own.sms_sender or config["TWILIO_SENDER"]
