"""Signed-in pages a process keeps until the agency's next write (bbp/kernel/held.py).

A page looked at again with nothing written since (a reload, the back button, a second tab, a
phone left open on it) costs no query and no template. The key names the agency as resolved
for this request (its name, zone and state too), the person and the version of their session,
the path with its query, whether htmx asked for a part, the language and the agency's day;
anything else a page shows must be the same for all of these.
The form token is never kept: it is cut out when a page is kept and the current session's put
back when it is served. Pages with messages to flash are neither served from nor kept.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable

from flask import Response, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from bbp.kernel import changes
from bbp.kernel.clock import agency_today
from bbp.kernel.held import Held
from bbp.tenancy import require_tenant
from bbp.web.rendering import wants_partial

SECONDS = 60  # the most a page's time-driven parts (due today, in an hour) can lag
HOLE = "\x00bbp-form-token\x00"  # where the form token was: NUL never occurs in HTML text
NOT_KEPT = ("Set-Cookie", "Content-Length")  # the session's own; recounted when served
# Compressed (zlib level 1: a 15 KB page in about 3 KB, 0.1 ms to pack, 0.03 ms to unpack), so a
# process's kept pages stay under a megabyte (a web worker's RSS is measured: bench/pages.py).
_pages: Held[tuple[bytes, list[tuple[str, str]]]] = Held(limit=200, seconds=SECONDS)


def held(view: Callable) -> Callable:
    """Serve a staff page from what the process keeps (below the role check, so it runs first)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        return _kept_or_built(lambda: make_response(view(*args, **kwargs)))

    return wrapped


def _kept_or_built(build: Callable[[], Response]) -> Response:
    """The page `build` renders, or the one kept for the same person and request."""
    if request.method != "GET" or "_flashes" in session:
        return build()
    key = (
        require_tenant(),  # all of it: a renamed agency's pages show the new name
        current_user.get_id(),
        request.full_path,
        wants_partial(),
        str(get_locale()),
        agency_today(),
    )
    version = changes.version()  # read before the page: a write in between is never missed
    kept = _pages.get(key, version)
    if kept is not None:
        packed, headers = kept
        body = zlib.decompress(packed).decode()
        return Response(body.replace(HOLE, generate_csrf()), headers=headers)
    response = build()
    if response.status_code == 200 and not response.is_streamed:
        body = response.get_data(as_text=True).replace(generate_csrf(), HOLE)
        headers = [(k, v) for k, v in response.headers.items() if k not in NOT_KEPT]
        _pages.put(key, version, (zlib.compress(body.encode(), 1), headers))
    return response


def forget() -> None:
    """Drop every page this process keeps (tests)."""
    _pages.clear()
