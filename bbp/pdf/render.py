"""PDFs are drawn by the workers: a web process queues the drawing and waits for the bytes.

fpdf2 (with fontTools) and Pillow cost a web worker about 20 MiB, yet only a few requests draw
a PDF. The drawing functions are pure (plain data in, bytes out), so a worker runs them from
the `pdf` queue, which every `flask worker` takes first; this module names them by their path
and never imports them. Tests and `PDF_INLINE` draw in the calling process instead (RQ's
synchronous queue). See docs/decisions.md, "PDFs are drawn by the workers".
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from rq import Queue
from rq.results import Result

from bbp.extensions import redis_client

QUEUE = "pdf"
# How long a request waits for a worker (under gunicorn's 30 s worker timeout); an unclaimed
# drawing is dropped then.
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
        failure_ttl=24 * 3600,  # kept a day for whoever looks into it
        description=f"draw {function.rsplit('.', 1)[-1]}",
    )
    result = job.latest_result(timeout=0 if inline else WAIT_SECONDS)
    if result is None:
        raise DrawingFailed(f"no worker drew {function} within {WAIT_SECONDS} s (job {job.id})")
    if result.type != Result.Type.SUCCESSFUL:
        raise DrawingFailed(f"{function} failed (job {job.id}):\n{result.exc_string}")
    return result.return_value
