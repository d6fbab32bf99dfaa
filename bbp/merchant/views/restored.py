"""The bond page's list of online payments a restored copy could not confirm."""

from __future__ import annotations

from bbp.merchant import restored
from bbp.merchant.views import bp


@bp.app_template_global()
def bond_unconfirmed(bond) -> list:
    """The bond's online payments left unconfirmed by its restore, for its payments section."""
    return restored.on_bond(bond.id)


@bp.app_template_filter("online_source")
def online_source(source: str) -> str:
    """How a payment was started, in words: "the portal", "a pay link", "autopay"."""
    return restored.SOURCES.get(source, source)
