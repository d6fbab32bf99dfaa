"""The bond list's total counts exactly what the search finds, in this agency only."""

from __future__ import annotations

from tests.factories import make_bond


def _rows(body: str) -> int:
    return body.count('data-label="Bond"')


def test_the_total_counts_what_the_search_finds(app, owner, tenant):
    for n in range(3):
        make_bond(app, tenant, last_name=f"Doe{n}")
    make_bond(app, tenant, last_name="Doering", status="quote")
    make_bond(app, tenant, last_name="Smith")
    everything = owner.get("/bonds/", htmx=True).get_data(as_text=True)
    assert "5 in all" in everything and _rows(everything) == 5
    does = owner.get("/bonds/?q=doe", htmx=True).get_data(as_text=True)
    assert "4 in all" in does and _rows(does) == 4 and "Smith" not in does
    quotes = owner.get("/bonds/?q=doe&status=quote", htmx=True).get_data(as_text=True)
    assert "1 in all" in quotes and "Doering" in quotes
    assert "No bond matches." in owner.get("/bonds/?q=nobody", htmx=True).get_data(as_text=True)


def test_the_total_pages_past_one_page(app, owner, tenant):
    for n in range(26):
        make_bond(app, tenant, last_name=f"Page{n}")
    first = owner.get("/bonds/?q=page", htmx=True).get_data(as_text=True)
    assert "Page 1 of 2 · 26 in all" in first and _rows(first) == 25
    second = owner.get("/bonds/?q=page&page=2", htmx=True).get_data(as_text=True)
    assert _rows(second) == 1


def test_another_agencys_bonds_are_neither_listed_nor_counted(
    app, owner, tenant, visit, other_tenant
):
    make_bond(app, tenant, last_name="Alphason")
    make_bond(app, other_tenant, last_name="Bravoson")
    make_bond(app, other_tenant, last_name="Bravoman")
    bravo = visit(other_tenant)
    assert bravo.login(other_tenant.owner_email).status_code == 302
    theirs = bravo.get("/bonds/?q=son", htmx=True).get_data(as_text=True)
    assert "1 in all" in theirs and "Bravoson" in theirs and "Alphason" not in theirs
    ours = owner.get("/bonds/?q=bravo", htmx=True).get_data(as_text=True)
    assert "No bond matches." in ours
