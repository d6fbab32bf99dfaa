"""Periodic tasks are installed by the factory from one list, not by importing their modules."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from datetime import UTC, datetime

from rq import Queue

from bbp.jobs import periodic
from tests.services import ROOT

EXPECTED = {
    "bbp.reminders.services:tick": 1,
    "bbp.checkins.services:every_minute": 1,
    "bbp.powers.services:expire_overdue": 60,
    "bbp.signatures.upkeep:every_hour": 60,
}
LIST_TASKS = """
from bbp import create_app
from bbp.jobs import periodic
from bbp.tenancy.jobs import dotted_path

app = create_app()
with app.app_context():
    for task, every in periodic.tasks():
        print(dotted_path(task), every)
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
    tasks = dict(line.split(" ") for line in listed if line)
    assert {name: int(every) for name, every in tasks.items()} == EXPECTED


def test_the_hourly_tick_enqueues_signature_upkeep_for_each_agency(app, redis, tenant):
    on_the_hour = datetime(2026, 11, 22, 10, 0, 5, tzinfo=UTC)
    with app.app_context():
        periodic.tick(on_the_hour)
    jobs = [j for j in Queue("default", connection=redis).jobs if j.meta["tenant"] == tenant.slug]
    assert sorted(j.args[1] for j in jobs) == sorted(EXPECTED)


def test_between_hours_only_the_minute_tasks_run(app, redis, tenant):
    with app.app_context():
        periodic.tick(datetime(2026, 11, 22, 10, 7, tzinfo=UTC))
    jobs = [j for j in Queue("default", connection=redis).jobs if j.meta["tenant"] == tenant.slug]
    assert sorted(j.args[1] for j in jobs) == sorted(n for n, e in EXPECTED.items() if e == 1)


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
