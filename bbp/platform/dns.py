"""TXT lookups for custom-domain verification, behind a small interface that tests replace.

Production asks DNS through dnspython; tests put a fake in `app.extensions[EXTENSION]`, so no
test ever leaves the machine.
"""

from __future__ import annotations

from typing import Protocol

from flask import current_app

from bbp.lazy import lazy_module

# dnspython is loaded when a domain is first checked, not in every web worker.
dns_resolver = lazy_module("dns.resolver")
dns_exception = lazy_module("dns.exception")

EXTENSION = "bbp.txt_resolver"
TIMEOUT_SECONDS = 5.0


class LookupFailed(Exception):
    """DNS could not answer (timeout, server failure): not the same as "no such record"."""


class TxtResolver(Protocol):
    """Answers the TXT strings published at a name."""

    def txt(self, name: str) -> list[str]:
        """Every TXT string at `name` ([] when there is none); LookupFailed if DNS fails."""


class DnsPythonResolver:
    """The system's resolvers, through dnspython."""

    def txt(self, name: str) -> list[str]:
        """Every TXT string at `name`, each record's character strings joined."""
        try:
            answer = dns_resolver.resolve(name, "TXT", lifetime=TIMEOUT_SECONDS)
        except (dns_resolver.NXDOMAIN, dns_resolver.NoAnswer):
            return []
        except dns_exception.DNSException as exc:
            raise LookupFailed(str(exc) or type(exc).__name__) from None
        return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]


def resolver() -> TxtResolver:
    """The app's TXT resolver: the one installed in its extensions, else dnspython."""
    return current_app.extensions.get(EXTENSION) or DnsPythonResolver()
