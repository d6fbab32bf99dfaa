"""Log lines as JSON in production, each naming its request id, agency and job.

`configure("json")` puts one handler on the root logger; every library's lines (Flask, RQ,
SQLAlchemy) propagate to it. The context comes from ContextVars the request hooks
(`bbp/web/observe.py`) and the worker (`bbp/jobs/observed.py`) bind, and from the bound agency.
Text mode (development, tests) leaves logging as Flask and RQ set it up.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TextIO

from bbp.tenancy import current_tenant

FORMATS = ("json", "text")
_request_id: ContextVar[str | None] = ContextVar("bbp_request_id", default=None)
_job: ContextVar[tuple[str, str | None] | None] = ContextVar("bbp_job", default=None)


def log_format(env: Mapping[str, str]) -> str:
    """LOG_FORMAT from the environment: json by default in production, text elsewhere."""
    production = env.get("BBP_ENV", "development") == "production"
    value = env.get("LOG_FORMAT") or ("json" if production else "text")
    if value not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {value!r}")
    return value


def bind_request(request_id: str):
    """Name the request every line logged from here on belongs to; returns the reset token."""
    return _request_id.set(request_id)


def unbind_request(token) -> None:
    _request_id.reset(token)


def request_id() -> str | None:
    """The current request's id, if a request is being served."""
    return _request_id.get()


@contextmanager
def job_context(job_id: str, slug: str | None) -> Iterator[None]:
    """Every line logged in the block names this job and its agency (a fork inherits it)."""
    token = _job.set((job_id, slug))
    try:
        yield
    finally:
        _job.reset(token)


def context() -> dict[str, str | None]:
    """request_id, agency and job_id of the line being logged (None where there is none)."""
    job = _job.get()
    tenant = current_tenant()
    return {
        "request_id": _request_id.get(),
        "agency": tenant.slug if tenant is not None else (job[1] if job else None),
        "job_id": job[0] if job else None,
    }


class ContextFilter(logging.Filter):
    """Stamps request_id, agency and job_id on every record the handler sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in context().items():
            setattr(record, name, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, context, exception."""

    converter = staticmethod(time.gmtime)

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": f"{self.formatTime(record, '%Y-%m-%dT%H:%M:%S')}.{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ("request_id", "agency", "job_id"):
            line[name] = getattr(record, name, None)
        line.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class _Marker(logging.StreamHandler):
    """Our root handler, so configuring twice (one process, several apps) replaces it."""


def configure(fmt: str, level: int | str = logging.INFO, stream: TextIO | None = None) -> None:
    """JSON lines on stderr (or `stream`) from the root logger; text mode changes nothing."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Marker)]:
        root.removeHandler(handler)
    if fmt != "json":
        return
    handler = _Marker(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root.addHandler(handler)
    root.setLevel(level)
