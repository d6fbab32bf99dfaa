"""Data page, CSV exports, and the bond import: upload, preview, run and progress."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, abort, redirect, request, stream_with_context, url_for
from flask_login import current_user

from bbp.auth.roles import role_required
from bbp.dataio import bp, exports, imports, jobs
from bbp.dataio.forms import ImportForm, RunForm
from bbp.kernel.clock import agency_today
from bbp.web.refusals import refused
from bbp.web.rendering import MAX_PAGE, render

KEY = "<key>"  # checked in the view, after the role check, so every role sees its 403 first
ERRORS_PER_PAGE = 50
PREVIEW_ROWS = 10


@dataclass(frozen=True)
class ListPage:
    """One page of an in-memory list, shaped like the database pages templates already use."""

    items: list
    page: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _page(items: list, per_page: int) -> ListPage:
    pages = max(1, -(-len(items) // per_page))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages, MAX_PAGE)
    return ListPage(items[(page - 1) * per_page : page * per_page], page, pages, len(items))


def _token(key: str) -> str:
    if not imports.TOKEN.fullmatch(key):
        abort(404)
    return key


def _preview(key: str) -> imports.Preview:
    try:
        return jobs.preview(_token(key))
    except FileNotFoundError:
        abort(404)


def _download(name: str) -> Response:
    made = exports.export(name)
    return Response(
        stream_with_context(made.chunks),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{made.filename}"',
            "Cache-Control": "private, no-store",
        },
    )


def _index(form: ImportForm, status: int = 200) -> Response:
    return render(
        "dataio/index.html", form=form, columns=imports.COLUMNS, required=imports.REQUIRED,
        status=status,
    )  # fmt: skip


def _show_preview(state: imports.Preview, status: int = 200, refusal: str = "") -> Response:
    return render(
        "dataio/preview.html",
        "dataio/_errors.html",
        state=state,
        first=state.sheet.rows[:PREVIEW_ROWS],
        errors=_page(state.errors, ERRORS_PER_PAGE),
        progress=jobs.progress(state.token),
        form=RunForm(),
        refusal=refusal,
        status=status,
    )


@bp.get("/")
@role_required("manager")
def index():
    """Export links and the import form."""
    return _index(ImportForm())


@bp.get("/bonds.csv")
@role_required("manager")
def bonds_csv():
    """Every bond with its defendant, charges and cosigners."""
    return _download("bonds")


@bp.get("/defendants.csv")
@role_required("manager")
def defendants_csv():
    """Every defendant; SSNs and licence numbers only as their last four."""
    return _download("defendants")


@bp.get("/payments.csv")
@role_required("manager")
def payments_csv():
    """Every receipt, void ones included."""
    return _download("payments")


@bp.post("/import")
@role_required("manager")
def upload():
    """Keep a CSV whose header is usable and go to its preview; anything else is a 422."""
    form = ImportForm()
    if form.validate_on_submit():
        with refused(form):
            token = imports.store(form.file.data.read(imports.MAX_BYTES + 1), agency_today())
            return redirect(url_for("dataio.preview", key=token))
    return _index(form, status=422)


@bp.get(f"/import/{KEY}")
@role_required("manager")
def preview(key: str):
    """The row count, the first rows as they will be imported, and every row error."""
    return _show_preview(_preview(key))


@bp.post(f"/import/{KEY}/run")
@role_required("manager")
def run(key: str):
    """Queue the import, refused while any row has an error."""
    state = _preview(key)
    if state.errors:
        refusal = "Nothing was imported: correct the rows below and upload the file again."
        return _show_preview(state, 422, refusal)
    jobs.start(state, current_user)
    return redirect(url_for("dataio.progress", key=key))


@bp.get(f"/import/{KEY}/progress")
@role_required("manager")
def progress(key: str):
    """A progress bar that updates itself every second (or by its Refresh link) until done."""
    state = jobs.progress(_token(key))
    if state is None:
        _preview(key)  # 404 unless this agency uploaded the file
        state = jobs.Progress("new")
    return render("dataio/progress.html", "dataio/_progress.html", key=key, state=state)
