"""Request-wide input hygiene: refuse NUL characters before they reach forms or SQL."""

from __future__ import annotations

from flask import Flask, abort, request


def _refuse_nul() -> None:
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(
                    400,
                    description="The request contains an invalid character (NUL). "
                    "Remove it and try again.",
                )


def init_app(app: Flask) -> None:
    """Check every request's query string and form."""
    app.before_request(_refuse_nul)
