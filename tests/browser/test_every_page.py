"""Every page at desktop and phone size: no sideways scrolling, no axe finding, a clean console."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete, select
from werkzeug.exceptions import HTTPException

from bbp.billing import accounts, stripe_api
from bbp.billing import services as billing
from bbp.bonds.models import Bond
from bbp.dataio import archives
from bbp.dev.book import seed_book
from bbp.extensions import db
from bbp.platform.models import PlatformAdmin, PlatformAuditEntry
from bbp.signatures import services as signatures
from bbp.tenancy import bound
from bbp.tenancy.jobs import enqueue
from bbp.usage.services import measure
from tests import job_functions
from tests.billing.support import plan_fields
from tests.browser_fixtures import screenshot, sign_in_console, sign_in_staff
from tests.conftest import provision, unprovision
from tests.portal.conftest import last_code, run_jobs
from tests.signatures.conftest import link_path
from tests.support import PASSWORD, Agency, add_user

pytestmark = pytest.mark.browser

# axe-core from npm, vendored for the tests only (docs/decisions.md, "Accessibility checks").
AXE = Path(__file__).with_name("axe-4.14.1.min.js")
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SIZES = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
PLATFORM_ADMIN = "layout-ops@bbp.example"
# Every console page a superadmin reaches, visited after signing in.
# {slug} and {agency_id}: the module's agency.
CONSOLE_PAGES = [
    "/platform/",
    "/platform/new-agency",
    "/platform/agencies/{slug}",
    "/platform/agencies/{agency_id}/lifecycle",
    "/platform/agencies/{agency_id}/archives",
    "/platform/support",
    "/platform/operations/",
    "/platform/operations/migrations",
    "/platform/operations/jobs",
    "/platform/operations/audit",
    "/platform/admins",
    "/platform/admins/invite",
    "/platform/plans",
    "/platform/plans/new",
    "/platform/plans/{plan_id}",
]
# Long enough to wrap in a phone's header, where it used to be cut to "Liberty Bail Bon…".
NAME = "Liberty Bail Bonds of Greater Miami-Dade"
LAST_NAMES = {"desktop": "Quintero", "phone": "Villalobos"}
LINK = re.compile(r'<a\b[^>]*?\bhref="([^"]*)"')
# What a person would notice: the page scrolls sideways, a box spills over, a name is cut, a
# figure breaks across lines. Runs in the page; returns one line per problem.
LAYOUT = """width => {
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + [...el.classList].map(c => '.' + c).join('');
  const problems = [];
  const page = document.documentElement.scrollWidth;
  if (page > width) problems.push(`the page is ${page}px wide in a ${width}px window`);
  for (const el of document.querySelectorAll('main article, .stat, .table-wrap, .brand-name')) {
    if (el.scrollWidth > el.clientWidth + 1) {
      problems.push(`${name(el)} holds ${el.scrollWidth}px in ${el.clientWidth}px`);
    }
  }
  for (const el of document.querySelectorAll('.money')) {
    const wraps = el.getClientRects().length > 1 || getComputedStyle(el).whiteSpace !== 'nowrap';
    if (wraps) problems.push(`${el.textContent} wraps, or could in a narrower box`);
  }
  return problems;
}"""
AXE_RUN = """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
  .then(result => result.violations.flatMap(rule => rule.nodes.map(
    node => `${rule.id}: ${node.target.join(' ')} (${node.failureSummary.replace(/\\s+/g, ' ')})`)))"""
# The page's own fetch: the browser's cookies and its resolution of *.localhost. Only HTML
# pages count (not PDFs, CSV or calendar files), and a redirect counts as its target's link.
FETCH_PAGE = """async url => {
  const response = await fetch(url);
  const html = response.ok && response.headers.get('content-type').startsWith('text/html');
  return html && !response.redirected ? await response.text() : '';
}"""
FETCH_BYTES = "async url => Array.from(new Uint8Array(await (await fetch(url)).arrayBuffer()))"
# Password managers and Playwright's own screenshots leave an empty style attribute on form
# fields; htmx used to copy it onto the next page while settling, and the CSP refused it.
TOUCH_FIELDS = """() => document.querySelectorAll('input, select, textarea').forEach(el => {
  el.style.setProperty('caret-color', 'transparent');
  el.style.removeProperty('caret-color');
})"""


@dataclass(frozen=True)
class Book:
    """The module's agency and the records its key pages show."""

    agency: Agency
    bond_id: int
    quote_id: int
    defendant_id: int
    cosigner_id: int
    cosigner_phone: str
    request_id: int


@pytest.fixture(scope="module")
def book(app) -> Book:
    """One agency with the demo book and a signature request out to a cosigner, for the module."""
    agency = provision(app, "liberty", name=NAME)
    agent = add_user(app, agency.info, "agent", name="Andy Agent")
    with app.app_context(), bound(agency.info, db.session):
        seed_book(agency.info)
        bond = db.session.scalars(
            select(Bond).where(Bond.status == "active").order_by(Bond.id)
        ).first()
        quote = db.session.scalars(
            select(Bond).where(Bond.status == "quote").order_by(Bond.id)
        ).first()
        cosigner = bond.cosigners[0].indemnitor
        request = signatures.create(bond, "indemnity", f"cosigner:{cosigner.id}", "sms", agent)
        made = Book(
            agency,
            bond.id,
            quote.id,
            bond.defendant_id,
            cosigner.id,
            cosigner.phone,
            request.id,
        )
    run_jobs(app)  # texts the signing link
    with app.app_context():  # on a plan with a paid invoice, another plan offered: billing rows
        plan = billing.create_plan(plan_fields(trial_days=0), "test")
        accounts.choose_plan(agency.info.id, plan.id, "test")
        stripe_api.fake().issue_invoice(accounts.subscribe(agency.info.id))
        billing.create_plan(plan_fields(monthly_price_cents=19900), "test")
    with app.app_context():  # a ready archive: its console row and the owner's download page
        archives.build(archives.start(agency.info, "test", PlatformAuditEntry, queue=False).id)
    yield made
    unprovision(app, agency)


@pytest.fixture(scope="module")
def platform_admin(app) -> str:
    """A platform admin for the console's pages."""
    with app.app_context():
        admin = PlatformAdmin(email=PLATFORM_ADMIN, name="Layout Ops", role="superadmin")
        admin.set_password(PASSWORD)
        db.session.add(admin)
        db.session.commit()
    yield PLATFORM_ADMIN
    with app.app_context():
        db.session.execute(delete(PlatformAdmin).where(PlatformAdmin.email == PLATFORM_ADMIN))
        db.session.commit()


@pytest.fixture(scope="module")
def base(book, live_server) -> str:
    return f"http://{book.agency.slug}.localhost:{live_server}"


@pytest.fixture(scope="module")
def found() -> dict[str, list[str]]:
    """Pages found by the first crawl of each area; the next window size reuses the list."""
    return {}


@pytest.fixture(scope="module", params=list(SIZES))
def size(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def staff(browser, base, book, size):
    """The owner, signed in, in a window of this size with axe loaded on every page."""
    context = browser.new_context(**SIZES[size])
    context.add_init_script(path=AXE)  # add_script_tag would inline it, which the CSP refuses
    page = context.new_page()
    sign_in_staff(page, base, book.agency.owner_email)
    yield page
    context.close()


@pytest.fixture(scope="module")
def cosigner(browser, app, base, book, size):
    """The cosigner, signed in to the portal with a texted code, axe loaded on every page."""
    context = browser.new_context(**SIZES[size])
    context.add_init_script(path=AXE)
    page = context.new_page()
    page.goto(f"{base}/portal/login")
    page.get_by_label("Mobile number").fill(book.cosigner_phone)
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    run_jobs(app)
    page.get_by_label("Code").fill(last_code(app, book.agency, book.cosigner_phone))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/portal/$"))
    yield page
    context.close()


def _links(body: str) -> list[str]:
    """Paths on this site that the page links to, without fragments or static files."""
    paths = []
    for href in LINK.findall(body):
        parts = urlsplit(html.unescape(href))
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        if not parts.path.startswith("/static/"):
            paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return paths


def _crawl(app, page, base: str, start: list[str]) -> list[str]:
    """Every HTML page reachable by links from `start`, one per endpoint, in the order found."""
    adapter = app.url_map.bind(urlsplit(base).hostname)
    seen, found, queue = set(), [], list(start)
    while queue:
        path = queue.pop(0)
        try:
            endpoint, _ = adapter.match(urlsplit(path).path, method="GET")
        except HTTPException:
            continue
        if endpoint in seen:
            continue
        seen.add(endpoint)
        body = page.evaluate(FETCH_PAGE, base + path)
        if "<html" in body:
            found.append(path)
            queue += _links(body)
    return found


def _problems(page, name: str) -> list[str]:
    """Layout and axe findings on the page as it is now; saves a screenshot when asked to."""
    # After a form posts, the new page's text can be there before its stylesheets are applied:
    # judge the page the person sees, not one half loaded.
    page.wait_for_load_state("load")
    screenshot(page, name)
    found = page.evaluate(LAYOUT, page.viewport_size["width"]) + page.evaluate(AXE_RUN, WCAG)
    return [f"{name}: {problem}" for problem in found]


def _visit_all(page, base: str, paths: list[str], size: str) -> list[str]:
    """Open each page in turn and collect what `_problems` finds."""
    problems = []
    for path in paths:
        response = page.goto(base + path)
        assert response.ok, f"{path} answered {response.status}"
        problems += _problems(page, f"{size}{path.replace('/', '-').replace('?', '-')}")
    return problems


def test_every_staff_page_fits_the_window_and_passes_axe(app, staff, base, book, size, found):
    staff.goto(f"{base}/dashboard/")
    nav = staff.eval_on_selector_all(
        ".section-nav .nav-row a", "links => links.map(a => a.pathname)"
    )
    key_pages = [
        f"/bonds/{book.bond_id}",  # with a signature request: its row once stuck out of the card
        f"/defendants/{book.defendant_id}",
        f"/indemnitors/{book.cosigner_id}",
        f"/bonds/{book.quote_id}/charges",  # the intake steps link to one another
        "/account",  # one's own account, in the user menu: two-step sign-in set up from here
        "/billing/",  # the owner's plan, invoices and standing: linked from the banner
        "/billing/plan",  # choosing another plan (its preview: tests/browser/test_owner_billing.py)
        "/billing/cancel",  # the cancellation's confirm step
    ]
    if "staff" not in found:
        found["staff"] = _crawl(app, staff, base, key_pages + nav)
    paths = found["staff"]

    assert len(nav) >= 14 and set(nav) <= set(paths)
    assert len(paths) >= 40  # forms and detail pages too, not only the list pages
    assert _visit_all(staff, base, paths, size) == []


def test_every_portal_page_fits_the_window_and_passes_axe(app, cosigner, base, size, found):
    nav = cosigner.eval_on_selector_all(".section-nav a", "links => links.map(a => a.pathname)")
    if "portal" not in found:
        found["portal"] = _crawl(app, cosigner, base, nav)
    paths = found["portal"]

    assert len(nav) == 4 and set(nav) <= set(paths)
    assert any(path.startswith("/portal/sign/") for path in paths)  # "Review and sign"
    assert _visit_all(cosigner, base, paths, size) == []


def test_sign_in_pages_fit_the_window_and_pass_axe(browser, base, size):
    context = browser.new_context(**SIZES[size])
    context.add_init_script(path=AXE)
    page = context.new_page()
    paths = ["/login", "/forgot-password", "/portal/login", "/verify"]
    problems = _visit_all(page, base, paths, size)
    context.close()
    assert problems == []


def test_the_platform_console_fits_the_window_and_passes_axe(
    browser, app, live_server, book, platform_admin, size
):
    console = f"http://admin.localhost:{live_server}"
    with app.app_context(), bound(book.agency.info, db.session):
        measure()  # the agency page with its figures, not "not measured yet"
    with app.app_context():  # a failed job, so the jobs page has a row to lay out
        enqueue(job_functions.refuse_text, book.cosigner_phone, "words", tenant=book.agency.info)
    with app.app_context():  # a plan, with the agency on it: the billing section has rows
        plan = billing.create_plan(plan_fields(), "test")
        plan_id = plan.id
        if accounts.account_of(book.agency.info.id) is None:  # the book serves both sizes
            accounts.choose_plan(book.agency.info.id, plan_id, "test")
            accounts.subscribe(book.agency.info.id)
    run_jobs(app)
    context = browser.new_context(**SIZES[size])
    context.add_init_script(path=AXE)
    page = context.new_page()
    problems = _visit_all(page, console, ["/platform/login"], size)
    sign_in_console(page, console, platform_admin, PASSWORD)
    agency = book.agency
    paths = [
        path.format(slug=agency.slug, agency_id=agency.info.id, plan_id=plan_id)
        for path in CONSOLE_PAGES
    ]
    problems += _visit_all(page, console, paths, size)
    context.close()
    assert problems == []


def test_a_verify_result_and_its_hash_fit_the_window_and_pass_axe(staff, base, book, size):
    staff.goto(f"{base}/verify")
    pdf = bytes(staff.evaluate(FETCH_BYTES, f"{base}/signatures/{book.request_id}/original.pdf"))
    assert pdf.startswith(b"%PDF")
    staff.get_by_label("Signed PDF").set_input_files(
        files=[{"name": "sent.pdf", "mimeType": "application/pdf", "buffer": pdf}]
    )
    staff.get_by_role("button", name="Check").click()
    expect(staff.locator("#verify-result")).to_have_attribute("data-verdict", "unsigned_original")
    expect(staff.get_by_text("SHA-256:")).to_be_visible()
    assert _problems(staff, f"{size}-verify-result") == []


def test_on_a_phone_the_sections_sit_behind_a_menu(staff, base, size):
    staff.goto(f"{base}/dashboard/")
    if size == "desktop":
        expect(staff.locator(".nav-menu")).to_be_hidden()
        expect(
            staff.locator(".nav-row").get_by_role("link", name="Audit log", exact=True)
        ).to_be_visible()
        return
    audit_log = staff.get_by_role("link", name="Audit log", exact=True)
    expect(staff.locator(".nav-row")).to_be_hidden()
    expect(audit_log).to_be_hidden()
    staff.get_by_text("Menu", exact=True).tap()
    expect(audit_log).to_be_visible()
    screenshot(staff, "phone-menu-open")
    staff.get_by_role("link", name="Team").tap()
    expect(staff.get_by_role("heading", name="Team")).to_be_visible()
    expect(audit_log).to_be_hidden()  # the menu is closed again on the new page
    expect(staff.locator(".brand-name")).to_have_text(NAME)


def test_intake_and_signing_leave_the_console_clean(browser, app, base, book, size):
    context = browser.new_context(**SIZES[size])
    page = context.new_page()
    logged: list[str] = []
    page.on(
        "console",
        lambda m: logged.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda error: logged.append(f"uncaught: {error}"))

    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(book.agency.owner_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    _write_a_bond(page, LAST_NAMES[size])
    if size == "phone":  # a request is signed once: by the cosigner, on a phone
        _sign(page, app, base, book)

    context.close()
    assert logged == []


def _submit(page, button: str | re.Pattern) -> None:
    page.evaluate(TOUCH_FIELDS)
    page.get_by_role("button", name=button).click()


def _write_a_bond(page, last_name: str) -> None:
    """The intake steps, each reached by a boosted form, as an agent goes through them."""
    page.get_by_role("button", name="New bond").click()
    page.get_by_label("First name").fill("Dario")
    page.get_by_label("Last name").fill(last_name)
    page.get_by_label("Mobile phone").fill("305 555 0188")
    _submit(page, "Start bond")
    expect(page.get_by_role("heading", name="Charges")).to_be_visible()
    page.locator("#charges-0-description").fill("Grand theft")
    page.locator("#charges-0-bail_amount").fill("5,000")
    _submit(page, "Add more rows")
    expect(page.locator("#charges-2-description")).to_be_visible()
    _submit(page, "Save charges and price the bond")
    expect(page.get_by_role("heading", name="Cosigners")).to_be_visible()
    page.get_by_label("First name").fill("Elena")
    page.get_by_label("Last name").fill(last_name)
    _submit(page, "Add cosigner")
    expect(page.get_by_text(f"Elena {last_name}")).to_be_visible()
    _submit(page, "Next: premium and plan")
    page.get_by_label("Down payment").fill("100")
    _submit(page, "Save plan and review")
    expect(page.get_by_role("heading", name="Review and write")).to_be_visible()


def _sign(page, app, base: str, book: Book) -> None:
    """The cosigner's signing page: code, consent, drawn signature, signed."""
    page.goto(base + link_path(app, book.agency, book.cosigner_phone))
    _submit(page, re.compile(r"Send me a code"))
    expect(page.get_by_label("Code")).to_be_visible()  # the code is stored and queued by now
    run_jobs(app)
    page.get_by_label("Code").fill(last_code(app, book.agency, book.cosigner_phone))
    _submit(page, "Confirm")
    expect(page.get_by_text("Step 2 of 3")).to_be_visible()
    page.get_by_label("I agree to use electronic records and signatures.").check()
    _submit(page, "Continue")
    expect(page.get_by_text("Step 3 of 3")).to_be_visible()
    page.get_by_role("button", name="Draw my signature instead").click()
    box = page.locator("#signature-pad").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 20, box["y"] + 20, steps=10)
    page.mouse.up()
    page.get_by_label("I have read this document and I sign it electronically.").check()
    _submit(page, "Sign the document")
    expect(page.get_by_text("Signed. Thank you.")).to_be_visible()
