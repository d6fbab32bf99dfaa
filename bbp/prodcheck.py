"""Production start-up checks: no placeholder or guessable secrets, no fake carrier or Stripe."""

from __future__ import annotations

from collections.abc import Mapping

from bbp.vault.keyring import KeyringError, parse

# Words that only a placeholder holds (.env.example's values among them); never part of a key
# generated as docs/development.md says.
PLACEHOLDER_WORDS = ("change-me", "changeme", "replace-with", "placeholder", "example")
MIN_SECRET_KEY_CHARS = 32
MIN_SECRET_KEY_DISTINCT = 8  # "aaaa…" is long but not random
MIN_MASTER_KEY_DISTINCT_BYTES = 16  # 32 random bytes hold about 30 distinct values
ALLOW_FAKES = "BBP_ALLOW_FAKE_PROVIDERS"
TRUTHY = ("1", "true", "yes", "on")
TWILIO_SETTINGS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_SENDER")
GENERATE = "see docs/development.md, Production secrets"


def problems(env: Mapping[str, str], sms_backend: str, mail_backend: str) -> list[str]:
    """Every reason this environment must not run production, as sentences for the operator."""
    found = secret_key_problems(env["SECRET_KEY"]) + master_key_problems(env["BBP_MASTER_KEYS"])
    found += metrics_token_problems(env.get("METRICS_TOKEN", ""))
    if env.get(ALLOW_FAKES, "").lower() not in TRUTHY:
        found += carrier_problems(env, sms_backend, mail_backend)
        found += stripe_problems(env.get("STRIPE_SECRET_KEY", ""))
    found += webhook_secret_problems(
        env.get("STRIPE_SECRET_KEY", ""), env.get("STRIPE_WEBHOOK_SECRET", "")
    )
    found += webhook_secret_problems(
        env.get("STRIPE_SECRET_KEY", ""),
        env.get("STRIPE_CONNECT_WEBHOOK_SECRET", ""),
        "STRIPE_CONNECT_WEBHOOK_SECRET",
        "Connect event (online payments, refunds, disputes, payouts)",
    )
    found += shared_secret_problems(env)
    return found


def is_placeholder(value: str) -> bool:
    """True for a value copied from .env.example or written as a reminder to change it."""
    lowered = value.lower()
    return any(word in lowered for word in PLACEHOLDER_WORDS)


def looks_random(secret: str) -> bool:
    """Long enough and varied enough to have come from a random generator."""
    return len(secret) >= MIN_SECRET_KEY_CHARS and len(set(secret)) >= MIN_SECRET_KEY_DISTINCT


def secret_key_problems(key: str) -> list[str]:
    """SECRET_KEY signs the session cookies: a guessable one lets anyone forge a sign-in."""
    if is_placeholder(key):
        return [f"SECRET_KEY is a placeholder; generate a random one ({GENERATE})"]
    if not looks_random(key):
        return [
            f"SECRET_KEY is too short or too regular to be random (at least "
            f"{MIN_SECRET_KEY_CHARS} random characters; {GENERATE})"
        ]
    return []


def master_key_problems(spec: str) -> list[str]:
    """BBP_MASTER_KEYS wraps every agency's data key: each must be 32 random bytes."""
    if is_placeholder(spec):
        return [f"BBP_MASTER_KEYS is a placeholder; generate a key ({GENERATE})"]
    try:
        keys = parse(spec)
    except KeyringError as exc:
        return [f"{exc} ({GENERATE})"]
    return [
        f"master key {key.id!r} is not random (too few distinct bytes); generate one ({GENERATE})"
        for key in keys
        if len(set(key.key)) < MIN_MASTER_KEY_DISTINCT_BYTES
    ]


def metrics_token_problems(token: str) -> list[str]:
    """METRICS_TOKEN is optional (without it /metrics is off), but a guessable one is refused:
    the numbers show how busy each part of the platform is and when its scheduler stalls."""
    if not token:
        return []
    if is_placeholder(token):
        return [f"METRICS_TOKEN is a placeholder; generate a random one ({GENERATE})"]
    if not looks_random(token):
        return [
            f"METRICS_TOKEN is too short or too regular to be random (at least "
            f"{MIN_SECRET_KEY_CHARS} random characters), or leave it empty to turn /metrics off"
        ]
    return []


def stripe_problems(key: str) -> list[str]:
    """Without a Stripe key billing runs on the fake: no agency would ever be charged."""
    if not key:
        return [
            "STRIPE_SECRET_KEY is empty, so billing would run on the fake Stripe and charge no "
            f"one: set the platform's secret key, or {ALLOW_FAKES}=1 on a staging stack"
        ]
    if is_placeholder(key) or not key.startswith(("sk_", "rk_")):
        return ["STRIPE_SECRET_KEY is not a Stripe secret key (sk_live_… or a restricted rk_…)"]
    return []


def webhook_secret_problems(
    key: str, secret: str, name: str = "STRIPE_WEBHOOK_SECRET", events: str = "Stripe event"
) -> list[str]:
    """With a real Stripe key, webhooks are checked against the endpoint's own signing secret."""
    if key and (is_placeholder(secret) or not secret.startswith("whsec_")):
        return [
            f"{name} is not a webhook signing secret (whsec_…, on the endpoint's "
            f"page in Stripe's Dashboard): without it every {events} would be refused"
        ]
    return []


def shared_secret_problems(env: Mapping[str, str]) -> list[str]:
    """Stripe gives each endpoint its own secret: with one for both, an event signed for one
    endpoint verifies on the other."""
    platform = env.get("STRIPE_WEBHOOK_SECRET", "")
    if platform and platform == env.get("STRIPE_CONNECT_WEBHOOK_SECRET", ""):
        return [
            "STRIPE_CONNECT_WEBHOOK_SECRET is the same as STRIPE_WEBHOOK_SECRET: each endpoint "
            "has its own signing secret on its page in Stripe's Dashboard"
        ]
    return []


def carrier_problems(env: Mapping[str, str], sms_backend: str, mail_backend: str) -> list[str]:
    """Fake carriers in production would drop every reminder and email without a word."""
    found = []
    if sms_backend != "twilio":
        found.append(
            f"SMS_BACKEND is {sms_backend!r}, so no text would reach anyone: set "
            f"SMS_BACKEND=twilio (and TWILIO_*), or {ALLOW_FAKES}=1 on a staging stack"
        )
    elif missing := [k for k in TWILIO_SETTINGS if not env.get(k)]:
        found.append(f"SMS_BACKEND is twilio but {', '.join(missing)} is empty")
    if mail_backend != "smtp":
        found.append(
            f"MAIL_BACKEND is {mail_backend!r}, so no email would leave: set MAIL_BACKEND=smtp "
            f"and SMTP_URL, or {ALLOW_FAKES}=1 on a staging stack"
        )
    elif not env.get("SMTP_URL"):
        found.append("MAIL_BACKEND is smtp but SMTP_URL is empty")
    return found
