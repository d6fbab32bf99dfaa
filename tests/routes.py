"""The app's URL map, read once at collection time, for tests parametrized over every route."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from bbp import create_app

# Tenant endpoints a signed-out visitor may use.
PUBLIC_TENANT_ENDPOINTS = {
    "auth.login",
    "auth.login_post",
    "auth.set_password",
    "auth.set_password_post",
    "auth.forgot_password",
    "auth.forgot_password_post",
    "auth.two_step",  # the second sign-in step serves a half-signed-in session
    "auth.two_step_post",
    "auth.enroll",
    "auth.enroll_post",
    "checkins.public",  # the defendant's signed check-in link: no sign-in by design
    "checkins.public_post",
    "messaging.twilio_status",  # Twilio webhooks: signed by Twilio, not signed in
    "messaging.twilio_inbound",
    "portal.login",  # the portal's own sign-in: a code to the phone or email on file
    "portal.login_post",
    "portal.code",
    "portal.code_post",
    "portal.link",
    "portal.link_post",
    "portal.logout",
    "portal.language",
    "portal.sign",  # signing links: the signer proves who they are with a code on the page
    "portal.sign_code",
    "portal.sign_verify",
    "portal.sign_consent",
    "portal.sign_document",
    "portal.sign_post",
    "portal.sign_decline",
    "signatures.verify",  # anyone holding a PDF may check it
    "signatures.verify_post",
    "support.enter",  # support access: a signed two-minute link from the console, used once
    "support.enter_post",
    "support.left",  # where an ended support session lands
    "merchant.pay_link",  # text-to-pay: the signed link is the credential, as for check-ins
    "merchant.pay_link_post",
    "merchant.pay_link_done",
    "merchant.fake_checkout",  # development's stand-in for Stripe's hosted Checkout page
    "merchant.fake_checkout_post",
}


@dataclass(frozen=True)
class Route:
    """One (endpoint, method) pair of a tenant blueprint."""

    endpoint: str
    rule: str
    method: str
    required_role: str | tuple[str, ...] | None

    def __str__(self) -> str:
        return f"{self.method} {self.rule}"

    def path(self, **values) -> str:
        values = {"secret": "ssn", "token": "x"} | values
        path = self.rule
        for name, value in values.items():
            path = re.sub(rf"<(?:[^>]+:)?{name}>", str(value), path)
        return re.sub(r"<[^>]+>", "1", path)  # any other id: a plausible small number


# Platform endpoints a signed-out visitor may use.
# The two-step pages serve a half-signed-in session (password given, code still to come).
PUBLIC_PLATFORM_ENDPOINTS = {
    "platform.login",
    "platform.login_post",
    "platform.two_step",
    "platform.two_step_post",
    "platform.enroll",
    "platform.enroll_post",
    "platform.set_password",  # invitation and reset links: the signed token is the credential
    "platform.set_password_post",
    "platform.forgot_password",
    "platform.forgot_password_post",
    "stripe_webhooks.receive",  # Stripe's events: signed by Stripe (the signature is checked)
    "connect_webhooks.receive",  # connected accounts' events: signed with their own secret
}


@cache
def tenant_routes() -> tuple[Route, ...]:
    """Every route served on agency hosts."""
    return _routes("tenant", "required_role")


@cache
def platform_routes() -> tuple[Route, ...]:
    """Every route served on admin.<domain>; required_role lists the admin roles allowed."""
    return _routes("platform", "admin_roles")


@cache
def _collecting_app():
    return create_app(
        {
            "BBP_ENV": "testing",
            "SECRET_KEY": "collect",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://collect@127.0.0.1/collect",
        }
    )


def _routes(site: str, attribute: str) -> tuple[Route, ...]:
    app = _collecting_app()
    sites = app.extensions["bbp_sites"]
    routes = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rpartition(".")[0]
        if sites.get(blueprint) != site:
            continue
        view = app.view_functions[rule.endpoint]
        role = getattr(view, attribute, None)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append(Route(rule.endpoint, rule.rule, method, role))
    return tuple(sorted(routes, key=str))


def protected_routes() -> list[Route]:
    """Routes that need a staff sign-in."""
    return [
        r
        for r in tenant_routes()
        if r.endpoint not in PUBLIC_TENANT_ENDPOINTS and r.required_role != "portal"
    ]


def portal_routes() -> list[Route]:
    """Routes that need a portal (defendant or cosigner) sign-in."""
    return [r for r in tenant_routes() if r.required_role == "portal"]
