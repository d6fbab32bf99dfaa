"""Every table of the bound agency's schema, read from the catalog and copied row for row.

The table list comes from PostgreSQL's catalog, not from a hand list or the models, so a table
added by a later migration is in the next archive without anyone remembering it. Rows travel as
COPY text values (exact for every column type), one JSON list per row. Encrypted columns leave
decrypted and come back encrypted under the receiving agency's data key (docs/platform-archives.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import text

from bbp.extensions import db
from bbp.vault.services import decrypt, encrypt

# Not archived: the version stamp (the manifest names the revision) and the wrapped data keys
# (bound to their agency's schema; the values they protect travel decrypted instead).
SKIPPED = frozenset({"alembic_version", "data_keys"})

# (table, column) -> the vault purpose its values are encrypted for.
ENCRYPTED = {
    ("defendants", "ssn_encrypted"): "defendants.ssn",
    ("defendants", "dl_encrypted"): "defendants.dl",
    ("agency_settings", "twilio_auth_token_encrypted"): "settings.twilio_auth_token",
    ("users", "totp_secret_encrypted"): "users.totp_secret",  # bbp/auth/twostep.py
}


@dataclass(frozen=True)
class TableDump:
    """One table's rows as JSON lines, with what the manifest says about them."""

    name: str
    columns: list[str]
    rows: int
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def schema_tables() -> list[str]:
    """Every ordinary table of the bound schema, parents before the tables that refer to them."""
    tables = db.session.execute(
        text(
            "SELECT c.oid, c.relname FROM pg_class c WHERE c.relkind IN ('r', 'p') "
            "AND c.relnamespace = to_regnamespace(current_schema()) ORDER BY c.relname"
        )
    ).all()
    names = {oid: name for oid, name in tables}
    edges = db.session.execute(
        text(
            "SELECT conrelid, confrelid FROM pg_constraint WHERE contype = 'f' "
            "AND connamespace = to_regnamespace(current_schema())"
        )
    ).all()
    parents = {name: set() for name in names.values()}
    for child, parent in edges:
        if child in names and parent in names and child != parent:
            parents[names[child]].add(names[parent])
    return _ordered(parents)


def _ordered(parents: dict[str, set[str]]) -> list[str]:
    """Tables in an order where each comes after those it refers to (names break ties)."""
    done: list[str] = []
    waiting = dict(sorted(parents.items()))
    while waiting:
        ready = [t for t, needs in waiting.items() if needs <= set(done)] or [next(iter(waiting))]
        for table in ready:
            done.append(table)
            del waiting[table]
    return done


def archived_tables() -> list[str]:
    """The tables an archive holds: every table of the schema but the SKIPPED ones."""
    return [t for t in schema_tables() if t not in SKIPPED]


def columns(table: str) -> list[str]:
    """The table's stored columns in order."""
    return list(
        db.session.scalars(
            text(
                "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(:table) "
                "AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum"
            ),
            {"table": _quote(table)},
        )
    )


def _primary_key(table: str) -> list[str]:
    return list(
        db.session.scalars(
            text(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
                "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
                "WHERE i.indrelid = to_regclass(:table) AND i.indisprimary ORDER BY a.attnum"
            ),
            {"table": _quote(table)},
        )
    )


def _cursor():
    return db.session.connection().connection.driver_connection.cursor()


def _transform(table: str, cols: list[str], change: Callable) -> Callable[[list], list]:
    """A function rewriting the row's encrypted values with change(purpose, value)."""
    spots = [(i, ENCRYPTED[(table, c)]) for i, c in enumerate(cols) if (table, c) in ENCRYPTED]

    def apply(row: list) -> list:
        for index, purpose in spots:
            if row[index] is not None:
                row[index] = change(purpose, row[index])
        return row

    return apply


def _reveal(purpose: str, value: str) -> str:
    return decrypt(purpose, bytes.fromhex(value.removeprefix("\\x")))


def _conceal(purpose: str, value: str) -> str:
    return "\\x" + encrypt(purpose, value).hex()


def dump_table(table: str) -> TableDump:
    """The table's rows in primary-key order, encrypted values decrypted."""
    cols = columns(table)
    order = ", ".join(map(_quote, _primary_key(table) or cols[:1]))
    select = f"SELECT {', '.join(map(_quote, cols))} FROM {_quote(table)} ORDER BY {order}"  # noqa: S608
    reveal = _transform(table, cols, _reveal)
    with _cursor() as cursor, cursor.copy(f"COPY ({select}) TO STDOUT") as copy:
        rows = [list(row) for row in copy.rows()]
    # Decrypting reads data keys: only once COPY has given the connection back.
    lines = (json.dumps(reveal(row), ensure_ascii=False, separators=(",", ":")) for row in rows)
    data = "".join(line + "\n" for line in lines).encode()
    return TableDump(table, cols, len(rows), data)


def parse_rows(data: bytes) -> Iterator[list]:
    """The rows of a table dump."""
    for line in data.decode().splitlines():
        yield json.loads(line)


def load_table(table: str, cols: list[str], data: bytes) -> int:
    """COPY the dumped rows into the bound schema's table, re-encrypting encrypted values."""
    conceal = _transform(table, cols, _conceal)
    target = f"COPY {_quote(table)} ({', '.join(map(_quote, cols))}) FROM STDIN"
    count = 0
    rows = [conceal(row) for row in parse_rows(data)]  # encrypt may query: before COPY starts
    with _cursor() as cursor, cursor.copy(target) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def sequences() -> dict[str, int]:
    """Each used sequence of the bound schema and its last value."""
    found = db.session.execute(
        text(
            "SELECT sequencename, last_value FROM pg_sequences "
            "WHERE schemaname = current_schema() AND last_value IS NOT NULL ORDER BY 1"
        )
    ).all()
    return {name: int(value) for name, value in found}


def set_sequences(values: dict[str, int]) -> None:
    """Move each named sequence of the bound schema to its archived value."""
    for name, value in values.items():
        db.session.execute(
            text("SELECT setval(to_regclass(:name), :value, true)"),
            {"name": _quote(name), "value": value},
        )
