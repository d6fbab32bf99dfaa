"""gunicorn's access log never holds the one-time token of a link (bbp/weblog.py)."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config

from bbp.web.weblog import RedactingLogger, redact

TOKEN = "IjQyIg.ZyX-9a_Bc.q1w2e3r4t5y6u7i8o9p0"  # shaped like an itsdangerous token


def fake_exchange(path: str, query: str = ""):
    """gunicorn's (response, request, environ) for one request a browser sent from a link."""
    raw = path + (f"?{query}" if query else "")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": raw,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": f"https://liberty.bbp.example{raw}",
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    request = SimpleNamespace(headers=[("HX-CURRENT-URL", f"https://liberty.bbp.example{raw}")])
    response = SimpleNamespace(
        status="302 FOUND", sent=0, headers=[("Location", f"/portal/sign/{TOKEN}")]
    )
    return response, request, environ


def atoms_for(path: str, query: str = "") -> dict:
    logger = RedactingLogger(Config())
    return logger.atoms(*fake_exchange(path, query), timedelta(milliseconds=12))


def test_the_token_is_gone_from_every_atom_and_the_rest_of_the_path_stays():
    atoms = atoms_for(f"/portal/sign/{TOKEN}/document.pdf", "lang=es")
    assert not [name for name, value in atoms.items() if TOKEN in str(value)]
    assert atoms["r"] == "GET /portal/sign/[redacted]/document.pdf?lang=es HTTP/1.1"
    assert atoms["U"] == "/portal/sign/[redacted]/document.pdf"
    assert atoms["f"] == "https://liberty.bbp.example/portal/sign/[redacted]/document.pdf?lang=es"
    assert atoms["{location}o"] == "/portal/sign/[redacted]"
    assert atoms["h"] == "203.0.113.9" and atoms["s"] == "302"


def test_a_token_in_the_query_string_is_redacted():
    atoms = atoms_for("/portal/", f"token={TOKEN}&lang=es")
    assert atoms["q"] == "token=[redacted]&lang=es"
    assert atoms["r"] == "GET /portal/?token=[redacted]&lang=es HTTP/1.1"


def test_paths_without_tokens_are_logged_as_they_are():
    atoms = atoms_for("/bonds/42/payments", "page=2")
    assert atoms["r"] == "GET /bonds/42/payments?page=2 HTTP/1.1"
    assert redact("/static/js/htmx-2.0.11.min.js") == "/static/js/htmx-2.0.11.min.js"


def test_the_access_log_file_holds_no_token(tmp_path):
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    logger = RedactingLogger(config)
    logger.access(*fake_exchange(f"/set-password/{TOKEN}"), timedelta(milliseconds=5))
    for handler in logger.access_log.handlers:
        handler.close()  # gunicorn's logger is global: the next one made would drop it unclosed
    line = (tmp_path / "access.log").read_text()
    assert "/set-password/[redacted]" in line and TOKEN not in line


def test_every_route_with_a_token_in_its_path_is_redacted(app):
    """A new route taking <token> is covered without anyone remembering this module."""
    urls = app.url_map.bind("liberty.localhost")
    rules = [rule for rule in app.url_map.iter_rules() if "token" in rule.arguments]
    assert len(rules) >= 4  # set-password, check-in, portal sign-in link, signing link
    for rule in rules:
        values = {name: TOKEN if name == "token" else 1 for name in rule.arguments}
        path = urls.build(rule.endpoint, values, method=sorted(rule.methods)[0])
        assert TOKEN in path and TOKEN not in redact(path), rule.rule


def test_json_access_lines_carry_the_request_id_and_agency_and_stay_redacted(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")
    config = Config()
    config.set("accesslog", "-")
    logger = RedactingLogger(config)
    # The test app's migration (alembic's fileConfig) disables loggers that existed then.
    monkeypatch.setattr(logger.access_log, "disabled", False)
    written = io.StringIO()
    for handler in logger.access_log.handlers:
        handler.setStream(written)
    response, request, environ = fake_exchange(f"/portal/sign/{TOKEN}/document.pdf", "lang=es")
    environ.update({"bbp.request_id": "4f1c2a9e8b7d", "bbp.agency": "liberty"})
    logger.access(response, request, environ, timedelta(milliseconds=12))
    (text,) = set(written.getvalue().splitlines())  # one line, however many handlers tests left
    line = json.loads(text)
    assert TOKEN not in text
    assert line["logger"] == "gunicorn.access" and line["time"].endswith("Z")
    assert line["message"] == "GET /portal/sign/[redacted]/document.pdf?lang=es HTTP/1.1"
    assert line["path"] == "/portal/sign/[redacted]/document.pdf?lang=es"
    assert line["request_id"] == "4f1c2a9e8b7d" and line["agency"] == "liberty"
    assert line["status"] == "302" and line["duration_ms"] == 12
