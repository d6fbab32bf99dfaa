"""The staff ledger's words for online entries: the payments feature's bond section asks."""

from __future__ import annotations

from bbp.merchant import ledger_words
from bbp.merchant.views import bp


@bp.app_template_global()
def online_entry_words(payments) -> dict[int, str]:
    """Plain words for each online entry of a bond's ledger, by payment id."""
    return ledger_words.words(payments)
