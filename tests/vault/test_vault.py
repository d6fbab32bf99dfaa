"""Envelope encryption: rotation without re-encrypting rows, tenant binding, shredding."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from bbp.config import ConfigError, load
from bbp.extensions import db
from bbp.tenancy import bound
from bbp.vault import services
from bbp.vault.keyring import KeyringError, new_spec, parse
from bbp.vault.models import DataKey


def test_round_trip_and_purpose_binding(app, tenant):
    with app.app_context(), bound(tenant.info, db.session):
        blob = services.encrypt("defendants.ssn", "123456789")
        db.session.commit()
        assert services.decrypt("defendants.ssn", blob) == "123456789"
        with pytest.raises(services.VaultError):
            services.decrypt("defendants.dl", blob)  # moved to another column: refused
        tampered = blob[:-1] + bytes([blob[-1] ^ 1])
        with pytest.raises(services.VaultError):
            services.decrypt("defendants.ssn", tampered)


def test_rotation_rewraps_keys_and_old_rows_still_decrypt(app, tenant, monkeypatch):
    with app.app_context(), bound(tenant.info, db.session):
        blob = services.encrypt("defendants.ssn", "123456789")
        db.session.commit()
    old_spec = app.config["BBP_MASTER_KEYS"]
    monkeypatch.setitem(app.config, "BBP_MASTER_KEYS", new_spec("k2") + "," + old_spec)
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    with app.app_context(), bound(tenant.info, db.session):
        assert db.session.scalars(select(DataKey.master_key_id)).all() == ["k2"]
    # the old master key can now go: only k2 remains configured
    monkeypatch.setitem(app.config, "BBP_MASTER_KEYS", app.config["BBP_MASTER_KEYS"].split(",")[0])
    app.extensions.pop("bbp_data_keys", None)
    with app.app_context(), bound(tenant.info, db.session):
        assert services.decrypt("defendants.ssn", blob) == "123456789"


def test_a_data_key_copied_into_another_agency_does_not_unwrap(app, tenant, other_tenant):
    with app.app_context():
        with bound(tenant.info, db.session):
            blob = services.encrypt("defendants.ssn", "123456789")
            db.session.commit()
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    f'INSERT INTO "{other_tenant.info.schema}".data_keys '
                    f'SELECT * FROM "{tenant.info.schema}".data_keys'
                )
            )
        app.extensions.pop("bbp_data_keys", None)
        with bound(other_tenant.info, db.session), pytest.raises(Exception):  # noqa: B017
            services.decrypt("defendants.ssn", blob)


def test_shredding_makes_values_unreadable_and_the_page_says_so(app, owner, tenant):
    owner.post("/defendants/new", {"first_name": "A", "last_name": "B", "ssn": "123456789"})
    result = app.test_cli_runner().invoke(args=["keys", "shred", tenant.slug, "--yes"])
    assert result.exit_code == 0 and "Shredded 1" in result.output
    response = owner.post("/defendants/1/reveal/ssn", htmx=True)
    assert response.status_code == 410
    assert "can no longer be decrypted" in response.get_data(as_text=True)


def test_shred_needs_confirmation(app, tenant):
    result = app.test_cli_runner().invoke(args=["keys", "shred", tenant.slug])
    assert result.exit_code != 0 and "--yes" in result.output


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "names no key"),
        ("nocolon", "look like"),
        ("k1:c2hvcnQ", "32 bytes"),
        (new_spec("a") + "," + new_spec("a"), "repeats"),
    ],
    ids=["empty", "no-colon", "short-key", "repeated-id"],
)
def test_bad_master_key_config_is_explained(spec, message):
    with pytest.raises(KeyringError, match=message):
        parse(spec)


def test_production_refuses_to_start_without_master_keys(monkeypatch, tmp_path):

    for name, value in {
        "BBP_ENV": "production",
        "SECRET_KEY": "x",
        "DATABASE_URL": "postgresql://x",
        "REDIS_URL": "redis://x",
        "BBP_DOMAIN": "bbp.example",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("BBP_MASTER_KEYS", raising=False)
    with pytest.raises(ConfigError, match="BBP_MASTER_KEYS"):
        load(tmp_path)
