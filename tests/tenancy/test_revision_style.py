"""Tenant revisions add a column with a default in four steps, never in one statement.

PostgreSQL 15 answers `ADD COLUMN … DEFAULT …` (and `ALTER COLUMN … TYPE`) with a sequential scan
of pg_index, every index of every agency, once per agency migrated: 44 ms an agency at 2,000
agencies and growing (docs/performance.md, "Migrating every agency"). Autogenerate writes that
form, so this test reads every revision and refuses it outside the ones already shipped.
"""

from __future__ import annotations

import ast

from bbp.tenancy.schema import TENANTS_DIR

# Written before the rule and left as they ran; a deployment still behind them pays the slow
# form once. (a7d3e2c41b90, the head when the rule came, was rewritten in four steps: the same
# columns, defaults and constraints, and the schema test still compares history with models.)
SHIPPED = {
    "34968550ba8f",
    "366c960c82cd",
    "50de6876f93e",
    "689ff472d10d",
    "7b524d69eacc",
    "8c4bb22f0b1c",
    "f3df6691489c",
}
ONE_STATEMENT = """
def upgrade():
    op.add_column("bonds", sa.Column("flag", sa.Boolean(), server_default="false", nullable=False))
    op.alter_column("bonds", "number", type_=sa.String(60))
"""
FOUR_STEPS = """
def upgrade():
    op.add_column("bonds", sa.Column("flag", sa.Boolean(), nullable=True))
    op.alter_column("bonds", "flag", server_default="false")
    op.execute("UPDATE bonds SET flag = false")
    op.alter_column("bonds", "flag", nullable=False)
"""


def _name(node: ast.expr) -> str:
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def slow_statements(source: str) -> list[int]:
    """Lines that add a column with a default, or change a column's type, in one statement."""
    found = []
    for call in ast.walk(ast.parse(source)):
        if not isinstance(call, ast.Call):
            continue
        if _name(call.func) == "add_column":
            columns = [
                a for a in call.args if isinstance(a, ast.Call) and _name(a.func) == "Column"
            ]
            if any(k.arg == "server_default" for c in columns for k in c.keywords):
                found.append(call.lineno)
        if _name(call.func) == "alter_column" and any(k.arg == "type_" for k in call.keywords):
            found.append(call.lineno)
    return found


def test_the_check_tells_the_two_forms_apart():
    assert slow_statements(ONE_STATEMENT) == [3, 4]
    assert slow_statements(FOUR_STEPS) == []


def test_no_new_tenant_revision_adds_a_column_with_a_default_in_one_statement():
    offending = [
        f"{path.name}:{line}"
        for path in sorted((TENANTS_DIR / "versions").glob("*.py"))
        if path.name.split("_", 1)[0] not in SHIPPED
        for line in slow_statements(path.read_text())
    ]
    assert not offending, (
        "add the column nullable without a default, then SET DEFAULT, backfill and SET NOT NULL "
        "(docs/development.md, 'Migrations'); a type change needs measuring first: "
        + ", ".join(offending)
    )
