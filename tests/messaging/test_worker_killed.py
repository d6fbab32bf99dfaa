"""A real worker killed with SIGKILL mid-turn: nothing sent twice, nothing lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import psutil
import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import func, select

from bbp.extensions import db
from bbp.messaging import services, upkeep
from bbp.messaging.models import Message
from bbp.tenancy import bound
from tests.services import ROOT
from tests.support import process_env

TEXTS = 20


def _statuses(app, agency) -> dict[str, int]:
    with app.app_context(), bound(agency.info, db.session):
        return dict(
            db.session.execute(select(Message.status, func.count()).group_by(Message.status)).all()
        )


def _by_status(app, agency) -> dict[str, list[int]]:
    with app.app_context(), bound(agency.info, db.session):
        found: dict[str, list[int]] = {}
        for message_id, status in db.session.execute(select(Message.id, Message.status)):
            found.setdefault(status, []).append(message_id)
        return found


@pytest.mark.parametrize("options", [[], ["--fork"]], ids=["in-process", "forking"])
def test_sigkill_mid_batch_then_recovery(app, redis, tenant, options):
    with app.app_context(), bound(tenant.info, db.session):
        for n in range(TEXTS):
            services.queue(f"30555501{n:02d}", f"text {n}", "one_off")
    env = process_env(
        app,
        SMS_FAKE_DELAY_MS="300",
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", *options],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while _statuses(app, tenant).get("sent", 0) < 3:
        if time.monotonic() > deadline:
            worker.kill()
            raise AssertionError("the worker never started sending")
        time.sleep(0.1)
    # The worker, and its work horse when it forks (in a process group of its own), mid-turn.
    family = [worker.pid] + [child.pid for child in psutil.Process(worker.pid).children(True)]
    for pid in family:
        os.kill(pid, signal.SIGKILL)
    worker.wait(timeout=10)
    time.sleep(0.2)
    killed = _statuses(app, tenant)
    assert killed.get("sending", 0) <= 1  # at most the text being handed over is in doubt
    assert killed.get("sent", 0) + killed.get("sending", 0) + killed.get("queued", 0) == TEXTS
    # Every text the worker finished with was recorded before it claimed the next: the sent
    # ones come first, then the one in hand, then the ones it never reached.
    ids = _by_status(app, tenant)
    order = [i for status in ("sent", "sending", "queued") for i in sorted(ids.get(status, []))]
    assert order == sorted(order)

    redis.flushdb()  # and Redis lost its jobs too
    later = datetime.now(UTC) + timedelta(minutes=11)
    with app.app_context(), bound(tenant.info, db.session):
        recovered = upkeep.recover(later)
    assert recovered["interrupted"] == killed.get("sending", 0)
    with app.app_context():
        SimpleWorker([Queue("default", connection=redis)], connection=redis).work(burst=True)

    final = _statuses(app, tenant)
    assert final.get("sent", 0) == TEXTS - killed.get("sending", 0)
    assert final.get("failed", 0) == killed.get("sending", 0)
    assert "queued" not in final and "sending" not in final
    with app.app_context(), bound(tenant.info, db.session):
        ids = db.session.scalars(select(Message.provider_id).where(Message.status == "sent"))
        assert len(set(ids)) == final["sent"]  # every sent text went out exactly once
