"""The fake Stripe's connected accounts and account links (a mixin of `FakeStripe`).

`POST /v1/accounts` makes an account the platform controls (its `controller` checked as Stripe
checks it), shaped like Stripe's Account: what Stripe still requires (`requirements`), and
whether it may take charges and pay out. `POST /v1/account_links` returns the url of Stripe's
hosted onboarding; with no key that is our development stand-in,
`/dev/stripe/connect/onboarding/<account>?link=<token>` on the host of the link's return url,
where the owner submits the details (the account becomes enabled) or leaves something due
(docs/payments-connect.md, "Development").
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from bbp.billing.fake_resources import ID, StripeFault, stamp
from bbp.kernel.clock import utcnow
from bbp.kernel.keys import platform_key

ONBOARDING_PATH = "/dev/stripe/connect/onboarding/"
LINK_SECONDS = 300  # Stripe's account links expire after a few minutes and work once
LINK_TYPES = ("account_onboarding", "account_update")
# What Stripe asks of a new US company before it may take charges and pay out.
ONBOARDING_DUE = [
    "business_profile.mcc",
    "business_profile.url",
    "business_type",
    "external_account",
    "representative.first_name",
    "representative.last_name",
    "representative.dob.day",
    "representative.ssn_last_4",
    "tos_acceptance.date",
    "tos_acceptance.ip",
]
# What "Leave something due" leaves: the bank account, with a deadline a week out.
LEFT_DUE = ["external_account", "individual.verification.document"]
CONTROLLER_FIELDS = ("stripe_dashboard", "fees", "losses", "requirement_collection")
FULL_DASHBOARD_NEEDS = {"fees": "account", "losses": "stripe", "requirement_collection": "stripe"}


def _requirements(due: list[str], past_due: list[str], deadline: int | None, reason) -> dict:
    return {
        "alternatives": [],
        "current_deadline": deadline,
        "currently_due": list(due),
        "disabled_reason": reason,
        "errors": [],
        "eventually_due": list(due),
        "past_due": list(past_due),
        "pending_verification": [],
    }


def _controller(params: dict) -> dict:
    """The controller Stripe keeps, refused as Stripe refuses a full Dashboard whose account
    would not pay its own fees, carry its own losses or answer Stripe's requirements."""
    given = params.get("controller") or {}
    dashboard = (given.get("stripe_dashboard") or {}).get("type", "full")
    fees = (given.get("fees") or {}).get("payer", "account")
    losses = (given.get("losses") or {}).get("payments", "stripe")
    collection = given.get("requirement_collection", "stripe")
    if dashboard not in ("full", "express", "none"):
        raise StripeFault(400, "Invalid controller[stripe_dashboard][type].", param="controller")
    chosen = {"fees": fees, "losses": losses, "requirement_collection": collection}
    if dashboard == "full" and chosen != FULL_DASHBOARD_NEEDS:
        raise StripeFault(
            400,
            "An account with access to the full Stripe Dashboard pays its own fees, carries "
            "its own losses and answers Stripe's requirements itself.",
            param="controller",
        )
    return {
        "type": "application",
        "is_controller": True,
        "stripe_dashboard": {"type": dashboard},
        "fees": {"payer": fees},
        "losses": {"payments": losses},
        "requirement_collection": collection,
    }


def _absolute(params: dict, name: str) -> str:
    url = params.get(name) or ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise StripeFault(400, f"Invalid URL: {name}.", param=name)
    return url


class ConnectAccounts:
    """`/v1/accounts` and `/v1/account_links`, and the stand-in onboarding's two outcomes."""

    KINDS = {"accounts": ("acct", "account")}
    ROUTES = [
        ("post", r"/v1/accounts", "_create_accounts"),
        ("get", f"/v1/accounts/{ID}", "_retrieve_account"),
        ("post", f"/v1/accounts/{ID}", "_update_accounts"),
        ("post", r"/v1/account_links", "_create_account_link"),
    ]

    def _platform_only(self) -> None:
        if self.account is not None:
            raise StripeFault(
                400, "Only the platform can do this; send it without a Stripe-Account header."
            )

    def _create_accounts(self, params: dict) -> dict:
        self._platform_only()
        country = (params.get("country") or "").upper()
        if len(country) != 2 or not country.isalpha():
            raise StripeFault(400, "Invalid country.", param="country")
        controller = _controller(params)
        return self._new(
            "accounts",
            type="none",
            controller=controller,
            country=country,
            default_currency="usd",
            email=params.get("email"),
            business_profile=params.get("business_profile") or {},
            capabilities={},
            charges_enabled=False,
            payouts_enabled=False,
            details_submitted=False,
            requirements=_requirements(ONBOARDING_DUE, [], None, "requirements.past_due"),
            future_requirements=_requirements([], [], None, None),
            metadata=params.get("metadata") or {},
        )

    def _platform_account(self, id: str) -> dict:
        """The account the platform holds; a connected account sees only itself (its own
        Stripe-Account header), never another."""
        if self.account is not None and self.account != id:
            raise StripeFault(404, f"No such account: '{id}'", code="resource_missing", param="id")
        with self.acting_as(None):
            return self.get("accounts", id)

    def _retrieve_account(self, params: dict, id: str) -> dict:
        account = self._platform_account(id)
        if account.get("deauthorized"):  # the agency disconnected the platform itself
            raise StripeFault(
                403,
                "The provided key does not have access to account "
                f"'{id}' (or that account does not exist).",
                code="account_invalid",
            )
        return {k: v for k, v in account.items() if k != "deauthorized"}

    def _update_accounts(self, params: dict, id: str) -> dict:
        account = self._retrieve_account({}, id)
        unknown = sorted(set(params) - {"metadata", "email", "business_profile"})
        if unknown:
            raise StripeFault(400, f"Received unknown parameter: {unknown[0]}", param=unknown[0])
        if "metadata" in params:
            account["metadata"] = {**account["metadata"], **params["metadata"]}
        for field in ("email", "business_profile"):
            if field in params:
                account[field] = params[field]
        return self._changed_account(account)

    def _create_account_link(self, params: dict) -> dict:
        self._platform_only()
        account = self._retrieve_account({}, params.get("account", ""))
        kind = params.get("type")
        if kind not in LINK_TYPES:
            raise StripeFault(400, "Invalid type: must be one of " + ", ".join(LINK_TYPES))
        back, refresh = _absolute(params, "return_url"), _absolute(params, "refresh_url")
        token = secrets.token_urlsafe(18)
        expires = utcnow() + timedelta(seconds=LINK_SECONDS)
        kept = {"account": account["id"], "return_url": back, "refresh_url": refresh}
        self.redis.set(self._link_key(token), json.dumps(kept), ex=LINK_SECONDS)
        origin = urlsplit(back)
        return {
            "object": "account_link",
            "created": stamp(utcnow()),
            "expires_at": stamp(expires),
            "url": f"{origin.scheme}://{origin.netloc}{ONBOARDING_PATH}{account['id']}"
            f"?link={token}",
        }

    # The stand-in onboarding page calls these ------------------------------------------
    def account_link(self, token: str) -> dict | None:
        """The link's account and urls while it is unused and unexpired, else None."""
        raw = self.redis.get(self._link_key(token)) if token else None
        return json.loads(raw) if raw else None

    def use_account_link(self, token: str) -> dict | None:
        """Take the link (it works once); None when it was used or expired."""
        raw = self.redis.getdel(self._link_key(token)) if token else None
        return json.loads(raw) if raw else None

    def submit_details(self, account_id: str) -> dict:
        """What onboarding does when everything is given: nothing due, charges and payouts on."""
        account = self._platform_account(account_id)
        account.update(charges_enabled=True, payouts_enabled=True, details_submitted=True)
        account["requirements"] = _requirements([], [], None, None)
        account["capabilities"] = {"card_payments": "active", "transfers": "active"}
        return self._changed_account(account)

    def leave_due(self, account_id: str) -> dict:
        """Details given but the bank account and an ID still due within a week: charges work,
        payouts wait."""
        account = self._platform_account(account_id)
        deadline = stamp(utcnow() + timedelta(days=7))
        account.update(charges_enabled=True, payouts_enabled=False, details_submitted=True)
        account["requirements"] = _requirements(LEFT_DUE, [], deadline, None)
        account["capabilities"] = {"card_payments": "active", "transfers": "inactive"}
        return self._changed_account(account)

    def deauthorize(self, account_id: str) -> dict:
        """The agency disconnects the platform from its own Dashboard: the platform's key loses
        the account and Stripe says so with `account.application.deauthorized`."""
        account = self._platform_account(account_id)
        account["deauthorized"] = True
        with self.acting_as(None):
            self._save(account)
        application = {"id": "ca_bbp_fake_platform", "object": "application", "name": "BBP"}
        self._emit_connect("account.application.deauthorized", application, account_id)
        return account

    def _changed_account(self, account: dict) -> dict:
        """Keep the account (the platform's copy) and tell the Connect endpoint."""
        with self.acting_as(None):
            self._save(account)
        shown = {k: v for k, v in account.items() if k != "deauthorized"}
        self._emit_connect("account.updated", shown, account["id"])
        return shown

    def _emit_connect(self, event_type: str, obj: dict, account_id: str) -> None:
        """An event from the connected account: it names the account and goes to the Connect
        endpoint, signed with that endpoint's secret (bbp/billing/fake_delivery.py)."""
        with self.acting_as(account_id):
            self._emit(event_type, obj)

    def _link_key(self, token: str) -> str:
        return platform_key("stripe-fake", "account-link", token)
