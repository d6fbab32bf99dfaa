"""Host header parsing: which site (agency, platform console, apex) a hostname names."""

from __future__ import annotations

from dataclasses import dataclass

PLATFORM_LABEL = "admin"
APEX_ALIASES = ("", "www")


def bare_host(host: str) -> str:
    """Lower-case host without port or trailing dot."""
    host = (host or "").strip().lower()
    if host.startswith("["):  # IPv6 literal
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0].rstrip(".") if ":" in host else host.rstrip(".")


@dataclass(frozen=True)
class HostMatch:
    """What a hostname points at before any database lookup."""

    kind: str  # "apex", "platform", "subdomain" or "custom"
    value: str = ""  # the subdomain label or the custom hostname


def classify(host: str, domain: str) -> HostMatch:
    """Classify a Host header against the platform's apex domain."""
    host, apex = bare_host(host), bare_host(domain)
    if host == apex:
        return HostMatch("apex")
    if host.endswith("." + apex):
        label = host[: -len(apex) - 1]
        if label in APEX_ALIASES:
            return HostMatch("apex")
        if label == PLATFORM_LABEL:
            return HostMatch("platform")
        if "." not in label:
            return HostMatch("subdomain", label)
    return HostMatch("custom", host)
