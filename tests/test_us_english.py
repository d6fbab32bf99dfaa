"""Everything a person reads is in US English: templates, Python strings, catalogs, documents."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from jinja2 import Environment

from bbp.documents.standard import KIND_LABELS, STANDARD
from bbp.documents.variables import VARIABLES

BBP = Path(__file__).resolve().parents[1] / "bbp"
# British spellings, as regular expressions matched against whole words (any capitals).
WORDS = (
    r"licence[ds]?|licencing",
    r"jewell\w*",
    r"instalments?",
    r"colour\w*",
    r"centre[ds]?|centring",
    r"cancell(?:ed|ing)",
    r"honour\w*",
    r"judgement",
    r"catalogue[ds]?",
    r"whilst|amongst",
    r"(?:favour|behaviour|neighbour|labour)\w*",
    r"defence|offence|cheque|programme|greyscale|grey|artefact|tyre|kerb|storey",
    r"(?:metre|litre|fibre|theatre)s?",
    r"(?:travell|labell|modell|signall)(?:ed|ing|er)",
    r"fulfil|enrol|enrolment",
    r"(?:analy|paraly)s(?:e|ed|ing)",
    r"(?:organ|recogn|real|apolog|author|emphas|final|minim|maxim|priorit|summar|util|custom"
    r"|standard|special|categor|critic|memor|optim|sanit|synchron|visual|familiar|character"
    r"|item|personal|local|normal|penal|capital|central|digit|equal|formal|jeopard|legal"
    r"|mobil|modern|neutral|public|scrutin|stabil|symbol|sympath|initial|serial|random"
    r"|anonym|amort|harmon)is(?:e|ed|es|ing|ation|ations|er|ers)",
)
BRITISH = re.compile(r"\b(?:" + "|".join(WORDS) + r")\b", re.IGNORECASE)
# Values stored in the database and names in the code keep their spelling; people never read them.
STORED = re.compile(r"(?<![\w-])(?:cancelled|jewellery|instalments?|Instalment)(?![\w-])")
IDENTIFIER = re.compile(r"[a-z0-9_.:/\-]+|[A-Z]\w*\.\w+")  # a value, key, path or Model.column


def british(text: str) -> list[str]:
    """The British spellings in a text a person reads."""
    return [m.group(0) for m in BRITISH.finditer(text.replace("aria-labelledby", ""))]


def template_texts():
    """(where, text) for every piece of a template that reaches the page: markup and literals."""
    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])  # only to lex
    for path in sorted((BBP / "templates").rglob("*.html")):
        for lineno, kind, value in env.lex(path.read_text()):
            if kind == "data" or (kind == "string" and not STORED.fullmatch(value.strip("'\""))):
                for offset, line in enumerate(value.split("\n")):
                    yield f"{path.relative_to(BBP)}:{lineno + offset}", line


def _docstrings(tree: ast.AST) -> set[int]:
    nodes = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    found = set()
    for node in ast.walk(tree):
        first = node.body[0] if isinstance(node, nodes) and node.body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            found.add(id(first.value))
    return found


def python_texts():
    """(where, text) for every string literal in bbp/ that may be shown: not docstrings, keys,
    stored values, or the quoted values inside SQL."""
    for path in sorted(BBP.rglob("*.py")):
        tree = ast.parse(path.read_text())
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in skip
            ):
                text = re.sub(r"'[a-z_]+'", "", node.value)
                if not IDENTIFIER.fullmatch(text) and not STORED.fullmatch(text):
                    yield f"{path.relative_to(BBP)}:{node.lineno}", text


def catalog_texts():
    """(where, msgid) for every translatable string."""
    with (BBP / "translations" / "messages.pot").open("rb") as pot:
        for message in read_po(pot):
            for msgid in message.id if isinstance(message.id, tuple) else (message.id,):
                if msgid:
                    yield f"messages.pot:{message.lineno}", msgid


def document_texts():
    """(where, text) for the standard document wording and the variables listed beside it."""
    for kind, (title, body) in STANDARD.items():
        yield f"standard {kind}", f"{title}\n{body}"
    yield "document kinds", " ".join(KIND_LABELS.values())
    yield "document variables", " ".join(VARIABLES.values())


@pytest.mark.parametrize(
    "texts", [template_texts, python_texts, catalog_texts, document_texts], ids=lambda f: f.__name__
)
def test_people_read_us_spellings(texts):
    found = [f"{where}: {', '.join(words)}" for where, text in texts() if (words := british(text))]
    assert found == [], "British spellings where people read them:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Driver licence number", ["licence"]),
        ("Number of instalments", ["instalments"]),
        ("Jewellery", ["Jewellery"]),
        ("Required when cancelling", ["cancelling"]),
        ("Choose a colour; we organise it at the centre", ["colour", "organise", "centre"]),
        ("We recognised the judgement whilst honouring the catalogue", None),
        ("Driver license, 2 installments, jewelry, canceled, color, center, organize", []),
        ("Raise it, otherwise promise to advise; a precise, wise premise", []),
        ('<section aria-labelledby="court">', []),
    ],
)
def test_the_scan_knows_british_from_us(text, words):
    found = british(text)
    if words is None:
        assert len(found) == 5, found
    else:
        assert found == words
