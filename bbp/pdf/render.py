"""PDFs are drawn by the workers: a web process queues the drawing and waits for the bytes.

fpdf2 (with fontTools) and Pillow cost a web worker about 20 MiB, yet only a few requests draw
a PDF. The drawing functions are pure (plain data in, bytes out), so a worker runs them from
the `pdf` queue, which every `flask worker` takes first; this module names them by their path
and never imports them. Tests and `PDF_INLINE` draw in the calling process instead (RQ's
synchronous queue). See docs/decisions.md, "PDFs are drawn by the workers".
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from flask import current_app
from rq import Queue
from rq.exceptions import InvalidJobOperation
from rq.job import JobStatus
from rq.results import Result
from rq.utils import import_attribute

from bbp.extensions import redis_client

log = logging.getLogger(__name__)
QUEUE = "pdf"
# How long a request waits for a worker to take the drawing before drawing it here: a receipt or
# a signature must not fail at 2 a.m. because the workers are down or backed up.
CLAIM_SECONDS = 5
# How long a request waits for a worker that took it (under gunicorn's 30 s worker timeout).
WAIT_SECONDS = 20
DOCUMENT = "bbp.documents.pdf.document_pdf"
SIGNATURE_PNG = "bbp.documents.pdf.signature_png"
RECEIPT = "bbp.payments.receipt_pdf.render_receipt"


class DrawingFailed(RuntimeError):
    """No worker drew the PDF in time, or the drawing raised."""


def draw(function: str, *args: Any) -> Any:
    """What the drawing function at `function` (a dotted path) returns for `args`."""
    inline = current_app.config.get("PDF_INLINE", False)
    queue = Queue(QUEUE, connection=redis_client(), is_async=not inline)
    job = queue.enqueue(
        function,
        *args,
        ttl=WAIT_SECONDS,
        result_ttl=WAIT_SECONDS,
        failure_ttl=600,  # its arguments are an agency's documents: the log keeps the error
        description=f"draw {function.rsplit('.', 1)[-1]}",
    )
    result = job.latest_result(timeout=0 if inline else CLAIM_SECONDS)
    if result is None and job.get_status(refresh=True) == JobStatus.QUEUED:
        return _here(job, function, args)
    if result is None:
        result = job.latest_result(timeout=WAIT_SECONDS - CLAIM_SECONDS)
    if result is None:
        raise DrawingFailed(f"no worker drew {function} within {WAIT_SECONDS} s (job {job.id})")
    if result.type != Result.Type.SUCCESSFUL:
        raise DrawingFailed(f"{function} failed (job {job.id}):\n{result.exc_string}")
    return result.return_value


def _here(job, function: str, args: tuple) -> Any:
    """Draw in this process when no worker took the job (it loads the drawing library here)."""
    with contextlib.suppress(InvalidJobOperation):  # a worker took it meanwhile: both draw
        job.cancel()
    log.warning(
        "no worker took %s within %s s (job %s); drawn in the web process",
        function,
        CLAIM_SECONDS,
        job.id,
    )
    return import_attribute(function)(*args)
