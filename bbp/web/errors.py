"""Error pages: full pages for navigation, fragments for htmx swaps."""

from __future__ import annotations

from flask import Flask, g, render_template, request
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException, InternalServerError

from bbp.extensions import db, htmx
from bbp.kernel.errors import AccessRefused, DomainError, LoginRefused
from bbp.kernel.ratelimit import RateLimited
from bbp.tenancy.resolver import TenantClosed, TenantSuspended, UnknownHost
from bbp.web.rendering import wants_partial

MESSAGES = {
    400: (
        "Bad request",
        "The request could not be understood. Check what you entered and try again.",
    ),
    401: ("Sign-in needed", "Sign in to continue."),
    403: ("Not allowed", "Your account does not have access to this."),
    404: ("Page not found", "There is nothing at this address. Check the link or go back."),
    405: ("Not allowed", "That action is not available here."),
    409: ("Not possible now", "That cannot be done in the record's current state."),
    410: ("No longer valid", "This link has expired or was already used."),
    413: ("File too large", "The upload is larger than this form accepts."),
    422: ("Not saved", "That could not be done. Check what you entered and try again."),
    429: ("Slow down", "Too many requests. Wait a moment and try again."),
    500: ("Something went wrong", "We could not finish that. Nothing was saved twice; try again."),
}


def _keeps_the_page() -> bool:
    """htmx swaps and boosted form posts show errors in the flash area, keeping what was typed."""
    return wants_partial() or (bool(htmx) and request.method != "GET")


def error_response(
    code: int,
    detail: str | None = None,
    template: str = "errors/error.html",
    title: str | None = None,
):
    """Render an error as a full page, or as a notice swapped into the flash area for htmx."""
    default_title, message = MESSAGES.get(code, MESSAGES[500 if code >= 500 else 400])
    title = title or default_title
    context = {"code": code, "title": title, "message": detail or message}
    if request_ctx.url_adapter is None:  # a malformed Host header: no page can render
        return f"{title}. {context['message']}\n", code, {"Content-Type": "text/plain"}
    if _keeps_the_page():
        headers = {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"}
        return render_template("errors/_error.html", **context), code, headers
    return render_template(template, **context), code, {"Vary": "HX-Request"}


def _http_error(exc: HTTPException):
    generic = type(exc).description
    detail = exc.description if exc.description and exc.description != generic else None
    return error_response(exc.code or 500, detail)


def _csrf_error(exc: CSRFError):
    return error_response(
        400, "This form has expired or was sent from elsewhere. Reload the page and try again."
    )


def _unknown_host(exc: UnknownHost):
    g.site, g.tenant = "apex", None
    return error_response(404, template="tenancy/unknown_host.html")


def _suspended(exc: TenantSuspended):
    g.site, g.suspended_tenant = "apex", exc.tenant
    return error_response(403, template="tenancy/suspended.html")


def _closed(exc: TenantClosed):
    g.site, g.suspended_tenant = "apex", exc.tenant
    return error_response(410, template="tenancy/closed.html")


def _server_error(exc: InternalServerError):
    db.session.rollback()  # the failed transaction must not break rendering the error page
    return error_response(500)


def _rate_limited(exc: RateLimited):
    db.session.rollback()  # nothing of the refused action is kept
    return error_response(429, exc.message)


def _bad_data(exc: DataError):
    db.session.rollback()
    return error_response(
        400,
        "Some of what was sent cannot be stored. "
        "Check for unusual characters or numbers that are too large.",
    )


def _refused(exc: DomainError):
    """A service refused a change the view did not catch: its message, 422 (or its status)."""
    db.session.rollback()  # nothing of the refused change is kept
    return error_response(exc.status, exc.message)


def _access_refused(exc: AccessRefused):
    """Portal access refused: a wrong code (422), too many tries (429), a used link (410)."""
    db.session.rollback()
    return error_response(exc.status, exc.message, title="Not signed in")


def _login_refused(exc: LoginRefused):
    """Staff or platform sign-in refused (the sign-in forms normally show this themselves)."""
    db.session.rollback()
    return error_response(exc.status, exc.message, title="Not signed in")


def init_app(app: Flask) -> None:
    """Register one handler per kind of error."""
    app.register_error_handler(DomainError, _refused)
    app.register_error_handler(AccessRefused, _access_refused)
    app.register_error_handler(LoginRefused, _login_refused)
    app.register_error_handler(UnknownHost, _unknown_host)
    app.register_error_handler(TenantClosed, _closed)  # before its base class, TenantSuspended
    app.register_error_handler(TenantSuspended, _suspended)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(InternalServerError, _server_error)
    app.register_error_handler(DataError, _bad_data)
    app.register_error_handler(RateLimited, _rate_limited)
    app.register_error_handler(HTTPException, _http_error)
