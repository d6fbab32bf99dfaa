"""The web server of `make run`: `flask run` with the reloader, announced in one line of our own.

`python -m bbp.dev.serve PORT`. Flask's banner would say "Debug mode: off" while the reloader
runs (debug mode also means the interactive debugger, which we do not turn on), and Werkzeug's
names only 127.0.0.1 although every agency is served on its own host.
"""

from __future__ import annotations

import logging
import os
import sys

from flask import cli
from werkzeug.serving import is_running_from_reloader

# Werkzeug's start-up lines, which the "Web:" line replaces; each request is still logged.
WERKZEUG_BANNER = ("This is a development server", "Running on", "Press CTRL+C", "Restarting with")


def without_banner(record: logging.LogRecord) -> bool:
    """Keep a Werkzeug log record unless it is one of its start-up lines."""
    return not any(line in record.getMessage() for line in WERKZEUG_BANNER)


def announcement(port: int, domain: str) -> str:
    """The one line that says where the web server listens and what it does."""
    return (
        f"Web: http://127.0.0.1:{port} answers for every *.{domain} host "
        "(development server; restarts when the code changes)"
    )


def main(argv: list[str]) -> None:
    """Run `flask run --reload` on 127.0.0.1:PORT without the misleading banners."""
    port = int(argv[0]) if argv else 5000
    if not is_running_from_reloader():  # the reloader runs this again in a child process
        print(announcement(port, os.environ.get("BBP_DOMAIN", f"localhost:{port}")), flush=True)
    cli.show_server_banner = lambda debug, app_import_path: None  # Flask's hook for the banner
    logging.getLogger("werkzeug").addFilter(without_banner)
    cli.cli.main(
        ["--app", "wsgi", "run", "--host", "127.0.0.1", "--port", str(port), "--reload"],
        prog_name="flask",
    )


if __name__ == "__main__":
    main(sys.argv[1:])
