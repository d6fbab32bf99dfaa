"""What a document PDF prints: plain data a web process builds, a worker draws (bbp.pdf.render)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PdfSignature:
    """A signature to place in the signature area: a drawn PNG, or the name typed."""

    kind: str  # "typed" or "drawn"
    name: str
    signed_at: datetime
    image_png: bytes | None = None


@dataclass(frozen=True)
class PdfCertificate:
    """The certificate page: (label, value) rows, (time, event, IP) rows, the chain's last hash."""

    rows: Sequence[tuple[str, str]]
    events: Sequence[tuple[str, str, str]]
    chain_hash: str


@dataclass(frozen=True)
class PdfDocument:
    """Everything printed in one document."""

    agency_name: str
    title: str
    body: str
    reference: str
    signer_name: str
    signer_role: str
    created_at: datetime
    timezone: str
    signature: PdfSignature | None = None
    certificate: PdfCertificate | None = None
    agency_lines: Sequence[str] = ()  # address, phone, license number: under the agency name
