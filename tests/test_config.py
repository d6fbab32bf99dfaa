"""Production configuration: no guessable secrets, no fake carriers, no forged client IPs."""

from __future__ import annotations

import base64
import re
import secrets
from pathlib import Path

import pytest
from flask import request

from bbp.config import ConfigError, load
from bbp.prodcheck import is_placeholder
from bbp.vault.keyring import new_spec
from tests.conftest import dispose, make_app

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION_NAMES = (
    "BBP_ENV",
    "SECRET_KEY",
    "BBP_MASTER_KEYS",
    "DATABASE_URL",
    "REDIS_URL",
    "BBP_DOMAIN",
    "SMS_BACKEND",
    "MAIL_BACKEND",
    "SMTP_URL",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_CONNECT_WEBHOOK_SECRET",
    "BBP_ALLOW_FAKE_PROVIDERS",
    "TRUSTED_PROXY_HOPS",
    "METRICS_TOKEN",
    "LOG_FORMAT",
)


def good_production() -> dict[str, str]:
    """A production environment that should start: random secrets, real carriers."""
    return {
        "BBP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "BBP_MASTER_KEYS": new_spec("k1"),
        "DATABASE_URL": "postgresql://bbp@db/bbp",
        "REDIS_URL": "redis://redis:6379/0",
        "BBP_DOMAIN": "bbp.example",
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "TWILIO_SENDER": "+13055550100",
        "MAIL_BACKEND": "smtp",
        "SMTP_URL": "smtp://mailer:pw@smtp.bbp.example:587",
        "STRIPE_SECRET_KEY": "sk_live_" + secrets.token_hex(24),
        "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(16),
        "STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(16),
    }


@pytest.fixture
def environ(monkeypatch):
    """Replace the settings this module cares about with the given ones."""

    def use(values: dict[str, str]) -> None:
        for name in PRODUCTION_NAMES:
            monkeypatch.delenv(name, raising=False)
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return use


def refusal(environ, tmp_path, **changes) -> str:
    """The start-up error of production with these changes to a good environment."""
    environ({**good_production(), **changes})
    with pytest.raises(ConfigError) as refused:
        load(tmp_path)
    return str(refused.value)


def test_a_good_production_environment_starts(environ, tmp_path):
    environ(good_production())
    config = load(tmp_path)
    assert config["SMS_BACKEND"] == "twilio" and config["TRUSTED_PROXY_HOPS"] == 0


def test_production_logs_json_and_keeps_metrics_off_by_default(environ, tmp_path):
    environ(good_production())
    config = load(tmp_path)
    assert config["LOG_FORMAT"] == "json" and config["METRICS_TOKEN"] == ""
    environ({**good_production(), "LOG_FORMAT": "text"})
    assert load(tmp_path)["LOG_FORMAT"] == "text"
    environ({"LOG_FORMAT": "xml"})
    with pytest.raises(ConfigError, match="LOG_FORMAT must be one of json, text"):
        load(tmp_path)


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("change-me-metrics-token", "placeholder"),
        ("short-token", "too short"),
        ("x" * 40, "too regular"),
    ],
)
def test_production_refuses_a_guessable_metrics_token(environ, tmp_path, token, reason):
    message = refusal(environ, tmp_path, METRICS_TOKEN=token)
    assert "METRICS_TOKEN is" in message and reason in message


def test_production_starts_with_a_random_metrics_token(environ, tmp_path):
    token = secrets.token_urlsafe(32)
    environ({**good_production(), "METRICS_TOKEN": token})
    assert load(tmp_path)["METRICS_TOKEN"] == token


def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            name, value = line.split("=", 1)
            values[name] = re.sub(r"\s+#.*$", "", value)
    return values


def test_production_refuses_the_placeholders_of_env_example(environ, tmp_path):
    example = env_example()
    assert is_placeholder(example["SECRET_KEY"]) and is_placeholder(example["BBP_MASTER_KEYS"])
    environ(example)
    with pytest.raises(ConfigError) as refused:
        load(tmp_path)
    message = str(refused.value)
    assert "SECRET_KEY is a placeholder" in message
    assert "BBP_MASTER_KEYS is a placeholder" in message


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("change-me-to-64-random-characters", "placeholder"),
        ("CHANGEME" + secrets.token_urlsafe(40), "placeholder"),
        ("s3cr3t-but-short", "too short"),
        ("a" * 64, "too regular"),
    ],
    ids=["env-example", "changeme-prefix", "short", "one-character"],
)
def test_production_refuses_a_guessable_secret_key(environ, tmp_path, key, reason):
    assert reason in refusal(environ, tmp_path, SECRET_KEY=key)


ZERO_KEY = "k1:" + base64.urlsafe_b64encode(bytes(32)).decode()


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("k1:change-me-to-the-output-of-flask-keys-generate", "placeholder"),
        (ZERO_KEY, "not random"),
        (new_spec("k2") + "," + ZERO_KEY, "'k1' is not random"),
        ("k1:c2hvcnQ", "32 bytes"),
    ],
    ids=["env-example", "all-zero", "old-key-all-zero", "malformed"],
)
def test_production_refuses_a_guessable_master_key(environ, tmp_path, spec, reason):
    assert reason in refusal(environ, tmp_path, BBP_MASTER_KEYS=spec)


def test_production_refuses_the_fake_text_carrier_even_by_default(environ, tmp_path):
    environ({k: v for k, v in good_production().items() if k != "SMS_BACKEND"})
    with pytest.raises(ConfigError, match="SMS_BACKEND is 'fake', so no text would reach"):
        load(tmp_path)


def test_production_refuses_the_mail_outbox_and_smtp_without_a_server(environ, tmp_path):
    assert "MAIL_BACKEND is 'outbox'" in refusal(environ, tmp_path, MAIL_BACKEND="outbox")
    assert "SMTP_URL is empty" in refusal(environ, tmp_path, SMTP_URL="")


def test_production_refuses_twilio_without_its_account(environ, tmp_path):
    message = refusal(environ, tmp_path, TWILIO_AUTH_TOKEN="", TWILIO_SENDER="")
    assert "SMS_BACKEND is twilio but TWILIO_AUTH_TOKEN, TWILIO_SENDER is empty" in message


def test_production_refuses_the_fake_stripe(environ, tmp_path):
    assert "STRIPE_SECRET_KEY is empty" in refusal(environ, tmp_path, STRIPE_SECRET_KEY="")
    assert "not a Stripe secret key" in refusal(environ, tmp_path, STRIPE_SECRET_KEY="change-me")


def test_production_refuses_a_stripe_key_without_a_webhook_secret(environ, tmp_path):
    assert "STRIPE_WEBHOOK_SECRET" in refusal(environ, tmp_path, STRIPE_WEBHOOK_SECRET="")
    message = refusal(environ, tmp_path, STRIPE_WEBHOOK_SECRET="whsec_change-me")
    assert "not a webhook signing secret" in message
    staging = refusal(environ, tmp_path, STRIPE_WEBHOOK_SECRET="", BBP_ALLOW_FAKE_PROVIDERS="1")
    assert "STRIPE_WEBHOOK_SECRET" in staging  # a staging stack with a test key checks it too
    connect = refusal(environ, tmp_path, STRIPE_CONNECT_WEBHOOK_SECRET="")
    assert "STRIPE_CONNECT_WEBHOOK_SECRET" in connect and "STRIPE_WEBHOOK_SECRET is" not in connect


def test_production_refuses_one_secret_for_both_webhook_endpoints(environ, tmp_path):
    """With one secret, an event Stripe signed for one endpoint verifies on the other too."""
    same = "whsec_" + secrets.token_hex(16)
    message = refusal(
        environ, tmp_path, STRIPE_WEBHOOK_SECRET=same, STRIPE_CONNECT_WEBHOOK_SECRET=same
    )
    assert "STRIPE_CONNECT_WEBHOOK_SECRET is the same as STRIPE_WEBHOOK_SECRET" in message


def test_a_staging_flag_allows_the_fake_carriers(environ, tmp_path):
    environ(
        {
            **good_production(),
            "SMS_BACKEND": "fake",
            "MAIL_BACKEND": "outbox",
            "STRIPE_SECRET_KEY": "",
            "BBP_ALLOW_FAKE_PROVIDERS": "1",
        }
    )
    config = load(tmp_path)
    assert config["STRIPE_SECRET_KEY"] == ""
    assert (config["SMS_BACKEND"], config["MAIL_BACKEND"]) == ("fake", "outbox")


def test_the_staging_flag_does_not_excuse_a_placeholder_secret(environ, tmp_path):
    message = refusal(environ, tmp_path, BBP_ALLOW_FAKE_PROVIDERS="1", SECRET_KEY="change-me")
    assert "SECRET_KEY is a placeholder" in message


def test_a_misspelt_backend_is_refused_everywhere(environ, tmp_path):
    environ({"BBP_ENV": "development", "SMS_BACKEND": "twillio"})
    with pytest.raises(ConfigError, match="SMS_BACKEND must be one of twilio, fake"):
        load(tmp_path)


def compose_environment(supplied: dict[str, str]) -> dict[str, str]:
    """The app's environment in docker-compose.yml, interpolated as Compose does."""
    text = (ROOT / "docker-compose.yml").read_text()
    block = re.search(r"^  environment:\n((?:    .*\n)+)", text, re.MULTILINE).group(1)
    environment = {}
    for line in block.splitlines():
        if line.strip().startswith("#"):
            continue
        name, value = (part.strip() for part in line.split(":", 1))
        match = re.fullmatch(r"\$\{(\w+):([?-])(.*)\}", value)
        if match and match.group(1) in supplied:
            value = supplied[match.group(1)]
        elif match and match.group(2) == "?":
            raise LookupError(f"compose stops: {match.group(3)}")
        elif match:
            value = match.group(3)
        environment[name] = value.strip('"')
    return environment


def test_compose_demands_the_secrets_and_then_starts_in_production(environ, tmp_path):
    with pytest.raises(LookupError, match="set BBP_MASTER_KEYS"):
        compose_environment({"SECRET_KEY": secrets.token_urlsafe(48)})
    environment = compose_environment(
        {"SECRET_KEY": secrets.token_urlsafe(48), "BBP_MASTER_KEYS": new_spec("k1")}
    )
    environ(environment)
    config = load(tmp_path)
    assert config["BBP_ENV"] == "production" and config["TRUSTED_PROXY_HOPS"] == 0


def test_trusted_proxy_hops_must_be_a_count(environ, tmp_path):
    environ({"BBP_ENV": "development", "TRUSTED_PROXY_HOPS": "yes"})
    with pytest.raises(ConfigError, match="TRUSTED_PROXY_HOPS"):
        load(tmp_path)


def client_ip(database_url, redis_url, **overrides) -> str:
    """request.remote_addr (and host) as the app sees them when a client forges X-Forwarded-*."""
    app = make_app(database_url, redis_url, **overrides)

    @app.get("/whoami")
    def whoami():
        return f"{request.remote_addr or ''} {request.host}"

    app.extensions["bbp_sites"][""] = "any"
    response = app.test_client().get(
        "/whoami",
        base_url="http://localhost",
        headers={"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Host": "admin.bbp.example"},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    dispose(app)
    return response.get_data(as_text=True)


def test_production_ignores_a_forged_forwarded_for_by_default(environ, database_url, redis_url):
    environ(good_production())
    assert client_ip(database_url, redis_url, BBP_ENV="production") == "203.0.113.9 localhost"


def test_one_trusted_hop_takes_the_address_its_proxy_forwarded(environ, database_url, redis_url):
    environ({**good_production(), "TRUSTED_PROXY_HOPS": "1"})
    # The address the proxy forwarded is believed; the host never is (tenancy comes from Host).
    assert client_ip(database_url, redis_url, BBP_ENV="production") == "198.51.100.7 localhost"
