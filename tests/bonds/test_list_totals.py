"""The bond list's total counts exactly what the search finds, in this agency only."""

from __future__ import annotations

from tests.factories import make_bond


def _rows(body: str) -> int:
    return body.count('data-label="Bond"')


def _swapped(visitor, path: str) -> str:
    """The bond list's rows as a live search swaps them in."""
    return visitor.get(path, htmx=True).get_data(as_text=True)


def test_the_total_counts_what_the_search_finds(app, owner, tenant):
    for n in range(3):
        make_bond(app, tenant, last_name=f"Doe{n}")
    make_bond(app, tenant, last_name="Doering", status="quote")
    make_bond(app, tenant, last_name="Smith")
    everything = _swapped(owner, "/bonds/")
    assert "5 in all" in everything and _rows(everything) == 5
    does = _swapped(owner, "/bonds/?q=doe")
    assert "4 in all" in does and _rows(does) == 4 and "Smith" not in does
    quotes = _swapped(owner, "/bonds/?q=doe&status=quote")
    assert "1 in all" in quotes and "Doering" in quotes
    assert "No bond matches." in _swapped(owner, "/bonds/?q=nobody")


def test_the_total_pages_past_one_page(app, owner, tenant):
    for n in range(26):
        make_bond(app, tenant, last_name=f"Page{n}")
    first = _swapped(owner, "/bonds/?q=page")
    assert "Page 1 of 2 · 26 in all" in first and _rows(first) == 25
    second = _swapped(owner, "/bonds/?q=page&page=2")
    assert "Page 2 of 2 · 26 in all" in second and _rows(second) == 1
    by_name = _swapped(owner, "/bonds/?q=page&sort=defendant&page=2")
    assert "Page9" in by_name and _rows(by_name) == 1  # Page0, Page1, Page10 … Page19, Page2 …


def test_a_page_past_the_last_still_says_how_many_there_are(app, owner, tenant):
    for n in range(3):
        make_bond(app, tenant, last_name=f"Past{n}")
    past = _swapped(owner, "/bonds/?page=7")
    assert "3 in all" in past and _rows(past) == 0
    searched = _swapped(owner, "/bonds/?q=past&page=7")
    assert "3 in all" in searched and _rows(searched) == 0
    nothing = _swapped(owner, "/bonds/?q=nobody&page=7")
    assert "in all" not in nothing and "No bond matches." in nothing


def test_a_search_shorter_than_a_trigram_finds_the_same_bonds(app, owner, tenant):
    """One or two letters cannot use the trigram indexes, so they are searched another way."""
    make_bond(app, tenant, first_name="Al", last_name="Ng")
    make_bond(app, tenant, last_name="Smith")
    make_bond(app, tenant, last_name="Ngata", status="quote")
    ng = _swapped(owner, "/bonds/?q=ng")
    assert "2 in all" in ng and "Ng, Al" in ng and "Ngata" in ng and "Smith" not in ng
    quoted = _swapped(owner, "/bonds/?q=n&status=quote")
    assert "1 in all" in quoted and "Ngata" in quoted
    both = _swapped(owner, "/bonds/?q=ng+al")
    assert "1 in all" in both and "Ng, Al" in both
    by_case = _swapped(owner, "/bonds/?q=20")
    assert "3 in all" in by_case  # every case number starts 2026-


def test_another_agencys_bonds_are_neither_listed_nor_counted(
    app, owner, tenant, visit, other_tenant
):
    make_bond(app, tenant, last_name="Alphason")
    make_bond(app, other_tenant, last_name="Bravoson")
    make_bond(app, other_tenant, last_name="Bravoman")
    bravo = visit(other_tenant)
    assert bravo.login(other_tenant.owner_email).status_code == 302
    theirs = _swapped(bravo, "/bonds/?q=son")
    assert "1 in all" in theirs and "Bravoson" in theirs and "Alphason" not in theirs
    ours = _swapped(owner, "/bonds/?q=bravo")
    assert "No bond matches." in ours
