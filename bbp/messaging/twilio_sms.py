"""Texts through Twilio's official SDK: loaded where texts are sent (bbp.messaging.providers)."""

from __future__ import annotations

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bbp.messaging.providers import ProviderError, Sender, Sent, kind_rate

# Twilio error codes that no retry can fix.
PERMANENT = {
    21211: "invalid",
    21214: "invalid",
    21408: "invalid",
    21610: "opted_out",
    21612: "invalid",
    21614: "invalid",
}


class TwilioProvider:
    """The real carrier, through the official SDK (its HTTP client is swappable for tests)."""

    def __init__(self, account_sid: str, auth_token: str, sender: str, http_client=None, rate=None):
        self.client = Client(account_sid, auth_token, http_client=http_client)
        self.sender = Sender(sender, rate or kind_rate(sender))

    def send(self, to: str, body: str) -> Sent:
        address = self.sender.address
        sender = (
            {"messaging_service_sid": address} if address.startswith("MG") else {"from_": address}
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
