"""Periodic tasks are installed by the factory from one list, not by importing their modules."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

from bbp.kernel import wakeups
from tests.services import ROOT

EXPECTED = {
    "reminders": ("bbp.reminders.services:tick", "bbp.reminders.services:next_due", 21600),
    "texts": ("bbp.messaging.upkeep:tend", "bbp.messaging.upkeep:next_due", 21600),
    "emails": ("bbp.messaging.emails:tend", "bbp.messaging.emails:next_due", 21600),
    "checkins": ("bbp.checkins.services:every_minute", "bbp.checkins.services:next_run", 21600),
    "powers": ("bbp.powers.services:expire_overdue", "bbp.powers.services:next_expiry", 86400),
    "signatures": ("bbp.signatures.upkeep:every_hour", "bbp.signatures.upkeep:next_due", 86400),
    "usage": ("bbp.usage.services:measure", "bbp.usage.services:next_due", 3600),
    "meter": ("bbp.billing.metering:report_texts", "bbp.billing.metering:next_due", 86400),
    "autopay": (
        "bbp.merchant.autopay_charges:run",
        "bbp.merchant.autopay_charges:next_due",
        21600,
    ),
}
LIST_TASKS = """
from bbp import create_app
from bbp.jobs import periodic
from bbp.tenancy.jobs import dotted_path

app = create_app()
with app.app_context():
    for task in periodic.tasks():
        print(task.name, dotted_path(task.run), dotted_path(task.next_due), int(task.sweep.total_seconds()))
"""


def test_a_fresh_app_in_a_new_process_has_every_periodic_task(app):
    env = dict(
        os.environ,
        BBP_ENV="testing",
        SECRET_KEY="test-secret-key",
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=app.config["REDIS_URL"],
    )
    listed = subprocess.run(
        [sys.executable, "-c", LIST_TASKS],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    ).stdout.split("\n")
    tasks = {
        name: (run, due, int(sweep))
        for name, run, due, sweep in map(str.split, filter(None, listed))
    }
    assert tasks == EXPECTED
    assert set(tasks) == set(wakeups.TASKS)  # every task a service can wake is scheduled


def _imports(path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    found |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    found |= {
        f"{n.module}.{a.name}"
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.module
        for a in n.names
    }
    return found


def test_features_never_import_the_job_machinery_and_only_the_factory_imports_the_schedule():
    package = ROOT / "bbp"
    importers = {
        str(path.relative_to(ROOT)): _imports(path)
        for path in package.rglob("*.py")
        if path.parent != package / "jobs"
    }
    schedule = sorted(p for p, names in importers.items() if "bbp.jobs.schedule" in names)
    assert schedule == ["bbp/__init__.py"]
    features = sorted(
        p
        for p, names in importers.items()
        if p != "bbp/__init__.py" and any(n.startswith("bbp.jobs") for n in names)
    )
    assert features == []
