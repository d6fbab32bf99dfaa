"""Pin every meaningful field of existing signature requests into their evidence chains.

Revision ID: 35cd8af7831a
Revises: 8c4bb22f0b1c
Create Date: 2026-11-23 09:12:00.000000

Runs inside one tenant schema: the search_path is already set, so use unqualified names.

Requests sent before this revision recorded the signer's name, role and contact, the title and
the document's hash, but not the bond, the signer's record, the kind of document or its text:
those could be edited without the evidence noticing. Rewriting their "created" events would
change every later hash, including the chain hash printed on the certificate page of each signed
PDF, and would bless any edit made before now. Instead each such chain gets one more event,
"pinned", recording the current values of the fields no event recorded yet; from here on an edit
shows. Fields an earlier event already recorded are left to that event, so an edit made before
this revision is still detected (a pinned event never overrides what the chain said first). The
hash format below is the chain's format at this revision (docs/signatures.md), copied on purpose
so this migration means the same thing whatever the application code becomes.
"""
import hashlib
import json
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


revision = '35cd8af7831a'
down_revision = '8c4bb22f0b1c'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
LEGACY = sa.text(
    "SELECT * FROM signature_requests r WHERE NOT EXISTS ("
    " SELECT 1 FROM signature_events e"
    " WHERE e.request_id = r.id AND e.data ->> 'body_sha256' IS NOT NULL"
    ") ORDER BY r.id FOR UPDATE"
)
RECORDED = sa.text(
    "SELECT DISTINCT jsonb_object_keys(data) FROM signature_events WHERE request_id = :id"
)
LAST = sa.text(
    "SELECT seq, hash FROM signature_events WHERE request_id = :id ORDER BY seq DESC LIMIT 1"
)
INSERT = sa.text(
    "INSERT INTO signature_events (request_id, seq, kind, at, ip, user_agent, data, prev_hash, hash)"
    " VALUES (:request_id, :seq, 'pinned', :at, NULL, NULL, CAST(:data AS jsonb), :prev, :hash)"
)


def _stamp(moment):
    return moment.astimezone(UTC).isoformat(timespec="microseconds") if moment else None


def _pinned(row):
    values = {
        "bond_id": row.bond_id,
        "template_kind": row.template_kind,
        "title": row.title,
        "body_sha256": hashlib.sha256(row.body.encode()).hexdigest(),
        "document_key": row.document_key,
        "document_sha256": row.document_sha256,
        "defendant_id": row.defendant_id,
        "indemnitor_id": row.indemnitor_id,
        "signer": row.signer_name,
        "signer_role": row.signer_role,
        "phone": row.phone,
        "email": row.email,
        "consent_sha256": row.consent_sha256,
        "signature": row.signature_kind,
        "signed_key": row.signed_key,
        "signed_sha256": row.signed_sha256,
        "completed_at": _stamp(row.completed_at),
        "reason": row.decline_reason or None,
    }
    return {key: value for key, value in values.items() if value is not None}


def _hash(request_id, seq, at, data, prev):
    body = {
        "request": request_id,
        "seq": seq,
        "kind": "pinned",
        "at": _stamp(at),
        "ip": None,
        "user_agent": None,
        "data": data,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(prev.encode() + b"|" + canonical.encode()).hexdigest()


def upgrade():
    conn = op.get_bind()
    at = datetime.now(UTC)
    for row in conn.execute(LEGACY).all():
        last = conn.execute(LAST, {"id": row.id}).first()
        seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
        recorded = set(conn.execute(RECORDED, {"id": row.id}).scalars())
        data = {k: v for k, v in _pinned(row).items() if k not in recorded}
        conn.execute(
            INSERT,
            {
                "request_id": row.id,
                "seq": seq,
                "at": at,
                "data": json.dumps(data),
                "prev": prev,
                "hash": _hash(row.id, seq, at, data, prev),
            },
        )


def downgrade():
    # The pinned events are evidence: deleting rows from a chain would break it, so they stay.
    pass
