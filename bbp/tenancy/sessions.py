"""Cookie sessions signed per host, so a cookie from one agency is worthless on another."""

from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from bbp.tenancy.hosts import bare_host


class HostBoundSessionInterface(SecureCookieSessionInterface):
    """Mix the request host into the signing salt: a replayed cookie fails verification."""

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        return URLSafeTimedSerializer(
            app.secret_key,
            salt=f"bbp-session|{bare_host(request.host)}",
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )
