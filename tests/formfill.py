"""Read the forms a page serves, and hostile values chosen for each kind of field."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Field:
    """One named control of an HTML form, with the value the page would send."""

    name: str
    kind: str  # input type, "select", "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)
    inputmode: str = ""


@dataclass
class Form:
    """An HTML form: where it posts and what it sends."""

    action: str
    fields: dict[str, Field] = field(default_factory=dict)

    def data(self) -> dict[str, str]:
        """What a browser would send as the page stands (unchecked boxes are left out)."""
        return {
            name: f.value
            for name, f in self.fields.items()
            if f.kind not in ("checkbox", "radio", "file", "submit") or f.value
        }


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: Field | None = None
        self._selected = False
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", "")))
        elif not self.forms or (not a.get("name") and tag in ("input", "select", "textarea")):
            return
        elif tag == "input":
            self._input(a)
        elif tag == "select":
            self._select, self._selected = Field(a["name"], "select"), False
            self.forms[-1].fields[a["name"]] = self._select
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))
            if "selected" in a:
                self._select.value, self._selected = a.get("value", ""), True
        elif tag == "textarea":
            self._textarea = Field(a["name"], "textarea")
            self.forms[-1].fields[a["name"]] = self._textarea

    def _input(self, a: dict) -> None:
        kind = a.get("type", "text").lower()
        fields = self.forms[-1].fields
        if kind in ("checkbox", "radio"):
            existing = fields.get(a["name"])
            value = a.get("value", "on") if "checked" in a else ""
            if existing is None or value:
                fields[a["name"]] = Field(a["name"], kind, value, inputmode=a.get("inputmode", ""))
            fields[a["name"]].options.append(a.get("value", "on"))
            return
        fields[a["name"]] = Field(
            a["name"], kind, a.get("value", ""), inputmode=a.get("inputmode", "")
        )

    def handle_endtag(self, tag):
        if tag == "select":
            if self._select is not None and not self._selected and self._select.options:
                self._select.value = self._select.options[0]
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data


def forms_on(html: str) -> list[Form]:
    """Every form in a page."""
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


TEXT = [
    "x" * 5000,
    "{name.__class__.__mro__}",
    "{name:>4000000000000000000}",
    "<script>alert(1)</script>",
    "%s%s%s%n",
    "\u202egnp.exe",
    "\U0001d518\U0001d52b\U0001f600" * 20,
    "   ",
    "' OR 1=1 --",
]
NUMBER = ["1e309", "NaN", "Infinity", "-1", "0", "9" * 30, "0.001", "1,000,000.00", "$5", "abc"]
DATE = ["9999-12-31", "0001-01-01", "2026-02-30", "1900-01-01", "99999-01-01", "tomorrow"]
DATETIME = ["9999-12-31T23:30", "0001-01-01T00:00", "2026-13-01T10:00", "2026-03-08T02:30"]
TIME = ["24:00", "99:99", "23:59:60", "-01:00"]
EMAIL = ["a@b", "x" * 300 + "@example.com", "<x>@example.com", "no-at-sign"]
PHONE = ["+1" + "9" * 30, "abc", "555", "+442071838750", "(555) 010-0000 ext 9"]
CHOICE = ["not-a-choice", "", "1' OR '1'='1", "9" * 30]
BOX = ["maybe", "0", "on"]


def hostile_values(f: Field) -> list[str]:
    """Values chosen for a field's kind, each likely to reach the code behind the form."""
    if f.kind == "date":
        return DATE
    if f.kind == "datetime-local":
        return DATETIME
    if f.kind == "time":
        return TIME
    if f.kind == "number" or f.inputmode in ("decimal", "numeric"):
        return NUMBER
    if f.kind == "email":
        return EMAIL
    if f.kind == "tel" or f.inputmode == "tel":
        return PHONE
    if f.kind in ("select", "radio"):
        return CHOICE
    if f.kind == "checkbox":
        return BOX
    return TEXT
