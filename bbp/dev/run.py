"""`make run`: embedded services if none are configured, migrate, seed, then serve everything.

Runs everything in the foreground; Ctrl-C, SIGTERM or SIGHUP (a closed terminal, a process
manager) stops all of it: web, worker, scheduler, and the embedded PostgreSQL and Redis.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bbp.dev.embedded import start_postgres, start_redis, stop_postgres, stop_redis
from bbp.dev.processes import stop_children

PORT = int(os.environ.get("PORT", "5000"))
ROOT = Path(__file__).resolve().parents[2]
# Where the embedded servers keep their data (tests use a temporary folder).
EMBEDDED = Path(os.environ.get("BBP_EMBEDDED_DIR") or ROOT / "instance")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stop(Exception):
    """A stop signal arrived: shut everything down in order."""


class StopSignals:
    """Turns the first stop signal into Stop, held back while something is being started."""

    def __init__(self) -> None:
        self.pending: int | None = None
        self.holding = False
        self.stopping = False

    def install(self) -> None:
        """Handle Ctrl-C, SIGTERM and SIGHUP alike."""
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._received)

    def ignore(self) -> None:
        """From here on a second Ctrl-C must not cut the shutdown short and strand a server."""
        self.stopping = True
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)

    @contextmanager
    def held(self):
        """Delay Stop until the block ends, so what it starts is registered to be stopped."""
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
        self._stop_if_pending()

    def _received(self, signum, frame) -> None:
        self.pending = signum
        if not self.holding:
            self._stop_if_pending()

    def _stop_if_pending(self) -> None:
        if self.pending is not None and not self.stopping:
            self.stopping = True
            raise Stop(signal.Signals(self.pending).name)


def flask(*args: str) -> list[str]:
    """Command line for a flask CLI call with this interpreter."""
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]


def prepare(env: dict, services: ExitStack, signals: StopSignals) -> None:
    """Start embedded services where none is configured, each registered to be stopped."""
    if not env.get("DATABASE_URL"):
        with signals.held():
            server, env["DATABASE_URL"] = start_postgres(EMBEDDED / "postgres", "bbp")
            services.callback(stop_postgres, server)
        print(f"Embedded PostgreSQL: data in {EMBEDDED / 'postgres'}")
    if not env.get("REDIS_URL"):
        with signals.held():
            server, env["REDIS_URL"] = start_redis(EMBEDDED / "redis" / "bbp.rdb")
            services.callback(stop_redis, server)
        print(f"Embedded Redis: {env['REDIS_URL']}")


def upgrade_platform(env: dict) -> None:
    """`flask db upgrade`, reporting how many migrations ran instead of Alembic's INFO lines."""
    done = subprocess.run(flask("db", "upgrade"), env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise subprocess.CalledProcessError(done.returncode, done.args)
    ran = done.stderr.count("Running upgrade ")
    if ran:
        print(f"Upgraded the platform schema ({ran} migration{'s' if ran != 1 else ''}).")


def spawn(env: dict) -> list[subprocess.Popen]:
    """Start the web server, the worker and the scheduler."""
    # Own process groups: the terminal's signals reach only this supervisor, which stops them in
    # order (a worker killed by the same Ctrl-C could leave its work horse behind).
    commands = (
        [sys.executable, "-m", "bbp.dev.serve", str(PORT)],
        flask("worker"),
        flask("scheduler"),
    )
    return [subprocess.Popen(c, env=env, cwd=ROOT, process_group=0) for c in commands]


def announce(domain: str) -> None:
    """Tell the developer where to go and how to sign in."""
    print("\nBailBondPro is running (Ctrl-C stops everything):")
    for host in ("demo", "acme", "admin"):
        print(f"  http://{host}.{domain}/")
    print(
        "  Sign in as owner@demo.example / agent@demo.example / admin@bbp.example, "
        "password bbp-demo-pass\n",
        flush=True,
    )


def main() -> int:
    """Start everything, wait for a stop signal or a child that exits, then stop everything."""
    signals = StopSignals()
    signals.install()
    env = dict(os.environ, BBP_DOMAIN=os.environ.get("BBP_DOMAIN", f"localhost:{PORT}"))
    processes: list[subprocess.Popen] = []
    with ExitStack() as services:  # stops the embedded servers last, in reverse order
        try:
            prepare(env, services, signals)
            upgrade_platform(env)
            for step in (("tenants", "migrate"), ("seed",)):
                subprocess.run(flask(*step), env=env, cwd=ROOT, check=True)
            with signals.held():
                processes = spawn(env)
            announce(env["BBP_DOMAIN"])
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
        except Stop:
            pass
        finally:
            signals.ignore()
            stop_children(processes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
