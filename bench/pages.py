"""Pages under load: gunicorn with the production settings, wrk at 16 connections, against hello."""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import requests

from bbp.dev.book import seed_book
from bbp.dev.seed import DEMO_AGENCIES, DEMO_PASSWORD, seed_agency
from bbp.extensions import db
from bbp.platform.provisioning import create_tenant
from bbp.tenancy import bound, tenant_by_slug
from bench import desk
from tests.support import PASSWORD

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).parent / "gunicorn"  # the venv's, beside this Python
CONFIG = ROOT / "docker" / "gunicorn.conf.py"
FRESH = Path(__file__).with_name("fresh.lua")  # every request a path never asked before
DOMAIN = "bbp.bench"
WORKERS = 2
CONNECTIONS = 16
SECONDS = int(os.environ.get("BENCH_PAGE_SECONDS", "8"))
HELLO_SECONDS = 3  # hello again before each page, for the ratio beside it
SIGNED_IN = (  # name, path, sent as an htmx swap
    ("dashboard", "/dashboard/", False),
    ("bond list", "/bonds/", False),
    ("bond page", "/bonds/5", False),
    ("live search (htmx)", "/bonds/?q=john", True),
)
BIG = "bench-pages"
TARGET_RATIO, TARGET_P99_MS, TARGET_RSS_MIB = 0.12, 60, 100
CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')
LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
# Packages watched in what a web worker imports: the first four only workers need (PDF drawing,
# Twilio's REST client), the next five only some requests (the Stripe SDK and the HTTP libraries it
# pulls in, dnspython; docs/decisions.md), the rest show what a new dependency adds.
WATCHED = (
    "fpdf",
    "fontTools",
    "PIL",
    "twilio.rest",
    "twilio",
    "stripe",
    "requests",
    "aiohttp",
    "dns.resolver",
    "alembic",
    "rq",
    "prometheus_client",
    "redis",
    "sqlalchemy",
    "psycopg",
    "cryptography",
    "babel",
    "wtforms",
    "jinja2",
)
LIST_MODULES = (  # a module bbp.lazy set aside, not yet executed, is not held
    "import json, sys, wsgi; print(json.dumps(sorted(n for n, m in sys.modules.items()"
    " if type(m).__name__ != '_LazyModule')))"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _seed(app) -> None:
    with app.app_context():
        seed_agency(DEMO_AGENCIES[0])
        demo = tenant_by_slug(DEMO_AGENCIES[0].slug)
        with bound(demo, db.session):
            seed_book(demo)
        if tenant_by_slug(BIG) is None:
            made = create_tenant(BIG, "Bench Pages Bail", f"owner@{BIG}.example", state="FL")
            desk.seed(app, made.tenant)


def _environment(app) -> dict:
    env = dict(os.environ)
    env.update(
        BBP_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        BBP_MASTER_KEYS=app.config["BBP_MASTER_KEYS"],
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"].replace("+psycopg", ""),
        REDIS_URL=app.config["REDIS_URL"],
        BBP_DOMAIN=DOMAIN,
        BBP_ALLOW_FAKE_PROVIDERS="1",
        SMS_BACKEND="fake",
        MAIL_BACKEND="outbox",
        WEB_CONCURRENCY=str(WORKERS),
        GUNICORN_ACCESS_LOG="/dev/null",
        PYTHONPATH=str(ROOT),
    )
    return env


def _serve(target: str, env: dict) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = dict(env, GUNICORN_BIND=f"127.0.0.1:{port}")
    server = subprocess.Popen([str(GUNICORN), "--config", str(CONFIG), target], env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            requests.get(url + "/healthz", timeout=10)
            return server, url
        except requests.ConnectionError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError(f"{target} did not start")


def _sign_in(url: str, host: str, email: str, password: str) -> str:
    """Sign in over HTTP like a browser; returns the session cookie (Secure, so kept by hand)."""
    page = requests.get(url + "/login", headers={"Host": host}, timeout=10)
    cookie = page.cookies.get("session") or _cookie(page)
    token = CSRF.search(page.text).group(1)
    done = requests.post(
        url + "/login",
        headers={"Host": host, "Cookie": f"session={cookie}", "X-CSRFToken": token},
        data={"email": email, "password": password},
        allow_redirects=False,
        timeout=10,
    )
    assert done.status_code == 302, (host, done.status_code)
    return _cookie(done)


def _cookie(response) -> str:
    return re.search(r"session=([^;]+)", response.headers["Set-Cookie"]).group(1)


def _wrk(
    url: str, path: str, headers: dict[str, str], seconds: int = SECONDS, fresh: bool = False
) -> dict:
    args = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    if fresh:
        args += ["-s", str(FRESH)]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url + path], capture_output=True, text=True, check=True).stdout
    assert "Non-2xx" not in out, (path, out)
    assert "Socket errors" not in out, (path, out)
    latency = {p: float(v) * UNIT_MS[u] for p, v, u in LATENCY.findall(out)}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return {"rps": rps, "p50": latency["50"], "p99": latency["99"]}


def _memory(server: subprocess.Popen) -> list[dict[str, float]]:
    """RSS, PSS (shared pages split between sharers) and USS (the worker's own) of each worker."""
    found = []
    for worker in psutil.Process(server.pid).children():
        info = worker.memory_full_info()
        found.append({k: getattr(info, k) / 2**20 for k in ("rss", "pss", "uss")})
    return sorted(found, key=lambda m: m["rss"])


def _imports(env: dict) -> dict:
    """The modules a web worker holds: the app gunicorn preloads, imported alone with its env."""
    run = subprocess.run(
        [sys.executable, "-c", LIST_MODULES],
        env=env,
        cwd=ROOT,
        capture_output=True,
        check=True,
        text=True,
    )
    modules = json.loads(run.stdout.splitlines()[-1])
    watched = [w for w in WATCHED if any(m == w or m.startswith(w + ".") for m in modules)]
    return {"count": len(modules), "watched": watched}


def _beside(
    hello_url: str, url: str, path: str, headers: dict[str, str], fresh: bool = False
) -> dict:
    """A page under load, with hello's rate measured just before it: other work on a shared
    machine comes and goes within minutes, so the ratio compares what ran in the same seconds."""
    if not fresh:  # "seen again": every worker has built the page once before the count starts
        _wrk(url, path, headers, seconds=1)
    hello = _wrk(hello_url, "/", {}, seconds=HELLO_SECONDS)
    return _wrk(url, path, headers, fresh=fresh) | {"hello": hello["rps"]}


def _signed_in_pages(hello_url: str, url: str, slug: str, email: str, password: str) -> dict:
    host = f"{slug}.{DOMAIN}"
    headers = {"Host": host, "Cookie": f"session={_sign_in(url, host, email, password)}"}
    htmx = dict(headers, **{"HX-Request": "true"})
    found = {}
    for name, path, swap in SIGNED_IN:
        sent = htmx if swap else headers
        found[f"{slug}: {name}"] = _beside(hello_url, url, path, sent)
        found[f"{slug}: {name}, first view"] = _beside(hello_url, url, path, sent, fresh=True)
    return found


def run(app) -> dict:
    """Seed, serve the app and hello side by side, drive each page with wrk, read RSS."""
    _seed(app)
    started_load = os.getloadavg()[0]
    env = _environment(app)
    imports = _imports(env)
    hello, hello_url = _serve("bench.hello:app", env)
    server, url = _serve("wsgi:app", env)
    try:
        demo_host = {"Host": f"demo.{DOMAIN}"}
        pages = {"hello (bare Flask)": _wrk(hello_url, "/", {})}
        pages["/healthz"] = _beside(hello_url, url, "/healthz", demo_host)
        pages["sign-in page"] = _beside(hello_url, url, "/login", demo_host)
        demo = DEMO_AGENCIES[0].slug
        pages |= _signed_in_pages(hello_url, url, demo, f"owner@{demo}.example", DEMO_PASSWORD)
        pages |= _signed_in_pages(hello_url, url, BIG, f"owner@{BIG}.example", PASSWORD)
        memory = _memory(server)
    finally:
        for process in (server, hello):
            process.terminate()
            process.wait(timeout=30)
    return {
        "pages": pages,
        "memory": memory,
        "imports": imports,
        "load": (started_load, os.getloadavg()[0]),
    }


def report(result: dict) -> str:
    """Markdown section for docs/performance.md."""
    pages = result["pages"]
    hello = pages["hello (bare Flask)"]["rps"]
    lines = [
        "## Pages under load",
        "",
        f"`python -m bench.run pages`: gunicorn with the production settings "
        f"(`docker/gunicorn.conf.py`, {WORKERS} sync workers, `BBP_ENV=production`) and a bare "
        "Flask hello (`bench/hello.py`) under the same settings, both on loopback, seeded with "
        f"the demo agency (`demo`, about 60 bonds) and `{BIG}` ({desk.BONDS:,} bonds); each page "
        f"driven by `wrk -t2 -c{CONNECTIONS} -d{SECONDS}s --timeout 10s --latency` signed in as "
        "the owner (session cookie). Targets: at least "
        f"{TARGET_RATIO}x hello's requests per second and p99 under {TARGET_P99_MS} ms for the "
        "signed-in pages; a worker under "
        f"{TARGET_RSS_MIB} MiB RSS after the load. The machine is shared, so compare ratios.",
        "",
        f"The ratio is to hello's rate in a {HELLO_SECONDS} s run just before each page (the "
        "second column), since other work on the machine comes and goes within minutes; the "
        f"first row is hello's own {SECONDS} s run at the start. Load average (1 minute) at the "
        f"start and the end: {result['load'][0]:.1f} and {result['load'][1]:.1f} on "
        f"{os.cpu_count()} cores.",
        "",
        "Each signed-in page is driven twice. The plain row asks for the same page again and "
        "again, as a reload, the back button or a second tab does: it is served from what the "
        "web process keeps until the agency's next write (bbp/web/heldpages.py), after a "
        "one-second run that is not counted, so each worker has built it once. The "
        "*first view* row adds a query parameter no one asked before to every request "
        "(bench/fresh.lua), so each page is built from the database: what a page costs the "
        "first time it is opened after a write.",
        "",
    ]
    if result["load"][0] > os.cpu_count():  # at the end it counts the bench's own load too
        lines += [
            "**The machine was busy with other work when this run started (a load average above "
            "the number of cores): PostgreSQL, which hello never touches, was shared too, and "
            "hello's own rate swung between runs, so these ratios vary widely from run to run "
            "and are not comparable with a quiet run's.**",
            "",
        ]
    lines += [
        "| page | req/s | hello just before | ratio to hello | p50 | p99 |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {name} | {p['rps']:,.0f} | {p.get('hello', hello):,.0f} "
        f"| {p['rps'] / p.get('hello', hello):.3f}x | {p['p50']:.1f} ms | {p['p99']:.1f} ms |"
        for name, p in pages.items()
    ]
    lines += [
        "",
        "Each web worker after the load (gunicorn preloads the app, so PSS and USS show what a "
        "worker costs beyond the shared pages):",
        "",
        "| worker | RSS | PSS | USS |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {n} | {m['rss']:.0f} MiB | {m['pss']:.0f} MiB | {m['uss']:.0f} MiB |"
        for n, m in enumerate(result["memory"], 1)
    ]
    imports = result["imports"]
    absent = [w for w in WATCHED if w not in imports["watched"]]
    lines += [
        "",
        f"A web worker holds {imports['count']:,} modules; of the packages watched "
        f"(`bench/pages.py`), it imports {', '.join(imports['watched']) or 'none'}, and not "
        f"{', '.join(absent) or 'none'}.",
    ]
    lines.append("")
    return "\n".join(lines)
