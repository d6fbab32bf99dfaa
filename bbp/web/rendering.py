"""One place that decides between a full page and an htmx partial."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from flask import Response, make_response, render_template, request

from bbp.extensions import db, htmx


def wants_partial() -> bool:
    """An htmx request that swaps part of a page (not boosted navigation, not history restore)."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(template: str, partial: str | None = None, status: int = 200, **context) -> Response:
    """Render the partial for htmx swaps and the full page otherwise."""
    name = partial if partial and wants_partial() else template
    response = make_response(render_template(name, **context), status)
    response.vary.add("HX-Request")
    return response


MAX_PAGE = 10_000


def requested_page() -> int:
    """The ?page= asked for, clamped so absurd page numbers cannot reach the database."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)


def paginate(query, per_page: int):
    """Paginate a select by ?page= (see requested_page)."""
    return db.paginate(query, page=requested_page(), per_page=per_page, error_out=False)


class Page:
    """A page of rows read with their total: what the pager reads, under Flask-SQLAlchemy's
    names, for a list that fetches its page and its count itself."""

    def __init__(self, items: list, page: int, per_page: int, total: int) -> None:
        self.items, self.page, self.per_page, self.total = items, page, per_page, total
        self.pages = -(-total // per_page)
        self.has_prev, self.has_next = page > 1, page < self.pages
        self.prev_num = page - 1 if self.has_prev else None
        self.next_num = page + 1 if self.has_next else None


def this_page() -> str:
    """This request's path and query, for ?next= (no bare "?" when there is no query)."""
    # Werkzeug's full_path always ends in "?" when the query string is empty.
    query = request.query_string.decode("latin-1")
    return f"{request.path}?{query}" if query else request.path


def safe_next(target: str | None, default: str) -> str:
    """Follow ?next= only to a path on this same host."""
    if not target:
        return default
    # Browsers read a backslash as a slash (/\host is //host) and drop tabs and newlines.
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target.rstrip("?") or default


NOT_IN_NAMES = re.compile(r"[^A-Za-z0-9]+")
MAX_NAME = 120


def pdf_name(*parts: str) -> str:
    """A download name such as B-000012-indemnity-agreement.pdf: ASCII words joined by hyphens."""
    plain = (unicodedata.normalize("NFKD", p).encode("ascii", "ignore").decode() for p in parts)
    words = (NOT_IN_NAMES.sub("-", p).strip("-") for p in plain)
    stem = "-".join(w for w in words if w)[:MAX_NAME].strip("-")
    return f"{stem or 'document'}.pdf"


def pdf_response(data: bytes, filename: str) -> Response:
    """A PDF download that browsers will not sniff into something else, named by `pdf_name`."""
    safe = pdf_name(filename.removesuffix(".pdf"))
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{safe}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )
