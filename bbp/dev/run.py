"""`make run`: embedded services if none are configured, migrate, seed, then serve everything.

Runs everything in the foreground; Ctrl-C stops all of it (and the embedded servers).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bbp.dev.embedded import start_postgres, start_redis

PORT = int(os.environ.get("PORT", "5000"))
ROOT = Path(__file__).resolve().parents[2]
INSTANCE = ROOT / "instance"


def flask(*args: str) -> list[str]:
    """Command line for a flask CLI call with this interpreter."""
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]


def prepare(env: dict) -> list:
    """Start embedded services where needed; returns handles that must stay alive."""
    handles = []
    if not env.get("DATABASE_URL"):
        server, env["DATABASE_URL"] = start_postgres(INSTANCE / "postgres", "bbp")
        handles.append(server)
        print(f"Embedded PostgreSQL: data in {INSTANCE / 'postgres'}")
    if not env.get("REDIS_URL"):
        server, env["REDIS_URL"] = start_redis(INSTANCE / "redis" / "bbp.rdb")
        handles.append(server)
        print(f"Embedded Redis: {env['REDIS_URL']}")
    return handles


def main() -> int:
    env = dict(os.environ, BBP_DOMAIN=os.environ.get("BBP_DOMAIN", f"localhost:{PORT}"))
    handles = prepare(env)
    for step in (("db", "upgrade"), ("tenants", "migrate"), ("seed",)):
        subprocess.run(flask(*step), env=env, cwd=ROOT, check=True)
    processes = [
        subprocess.Popen(
            flask("run", "--host", "127.0.0.1", "--port", str(PORT), "--reload"), env=env, cwd=ROOT
        ),
        subprocess.Popen(flask("worker"), env=env, cwd=ROOT),
        subprocess.Popen(flask("scheduler"), env=env, cwd=ROOT),
    ]
    domain = env["BBP_DOMAIN"]
    print("\nBailBondPro is running (Ctrl-C stops everything):")
    for host in ("demo", "acme", "admin"):
        print(f"  http://{host}.{domain}/")
    print(
        "  Sign in as owner@demo.example / agent@demo.example / admin@bbp.example, "
        "password bbp-demo-pass\n"
    )
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        del handles
    return 0


if __name__ == "__main__":
    sys.exit(main())
