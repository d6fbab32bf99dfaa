"""The ESIGN consent shown before signing; its exact text is hashed into the evidence."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from bbp.signatures.evidence import digest

VERSION = "2026-11"


def text(agency: str, language: str) -> str:
    """The consent text in the signer's language, naming the agency."""
    with force_locale(language):
        return "\n\n".join(
            [
                _(
                    "Consent to use electronic records and signatures (version %(version)s)",
                    version=VERSION,
                ),
                _(
                    "%(agency)s asks you to sign this document electronically. By agreeing, you "
                    "consent to receive this document electronically and to sign it with an "
                    "electronic signature, which has the same legal effect as a signature on "
                    "paper (U.S. ESIGN Act and the Uniform Electronic Transactions Act).",
                    agency=agency,
                ),
                _(
                    "You may refuse and ask %(agency)s for a paper copy to sign instead, at no "
                    "charge. You may withdraw this consent at any time before you sign by "
                    "declining; withdrawing does not affect documents already signed.",
                    agency=agency,
                ),
                _(
                    "To view and keep the document you need a device that can open PDF files. "
                    "You can download a copy of the signed document and its certificate when "
                    "you finish, and ask %(agency)s for another copy at any time.",
                    agency=agency,
                ),
                _(
                    "We record how you proved who you are, the time of each step, your IP "
                    "address and your browser, and fingerprints of the document, as evidence of "
                    "your signature."
                ),
            ]
        )


def fingerprint(consent: str) -> str:
    """SHA-256 of the consent text exactly as shown."""
    return digest(consent.encode())
