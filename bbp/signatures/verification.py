"""The public check of a PDF: is it a document signed through this agency, unaltered?"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bbp.extensions import db
from bbp.signatures import evidence
from bbp.signatures.models import SignatureRequest

MAX_BYTES = 15 * 1024 * 1024  # under MAX_CONTENT_LENGTH, so the form answers, not a bare 413


@dataclass(frozen=True)
class Finding:
    """What a checked PDF turned out to be."""

    verdict: str  # "signed", "unsigned_original", "tampered_evidence" or "unknown"
    sha256: str
    request: SignatureRequest | None = None
    problems: tuple[str, ...] = ()


def check(data: bytes) -> Finding:
    """Match the file's SHA-256 against the agency's signed (and sent) documents."""
    sha = evidence.digest(data)
    signed = db.session.scalar(
        select(SignatureRequest).where(SignatureRequest.signed_sha256 == sha)
    )
    if signed is not None:
        problems = tuple(evidence.problems(signed))
        if problems or signed.status != "signed":
            return Finding("tampered_evidence", sha, signed, problems or ("Not marked signed.",))
        return Finding("signed", sha, signed)
    original = db.session.scalar(
        select(SignatureRequest).where(SignatureRequest.document_sha256 == sha).limit(1)
    )
    if original is not None:
        return Finding("unsigned_original", sha, original, tuple(evidence.problems(original)))
    return Finding("unknown", sha)
