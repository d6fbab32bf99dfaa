"""Request-wide input hygiene: refuse NUL characters before they reach forms or SQL, and read
every `<int:…>` in a route as an id an integer key can hold (a larger one is a 404)."""

from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

from bbp.kernel.ids import MAX_ID


class RowIdConverter(IntegerConverter):
    """`<int:…>` with PostgreSQL's integer as its ceiling unless the route names another."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _refuse_nul() -> None:
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(
                    400,
                    description="The request contains an invalid character (NUL). "
                    "Remove it and try again.",
                )


def install_converters(app: Flask) -> None:
    """Give the routes their converters (before any route is added: rules keep theirs)."""
    app.url_map.converters["int"] = RowIdConverter


def init_app(app: Flask) -> None:
    """Check every request's query string and form."""
    app.before_request(_refuse_nul)
