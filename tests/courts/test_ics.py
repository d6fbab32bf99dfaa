"""iCalendar export: structure, UTC times across DST, escaping, folding and reminders."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bbp.courts.ics import CalendarEvent, calendar, escape, fold

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2024, 3, 1, 17, 45, 30, tzinfo=UTC)


def event(**changes) -> CalendarEvent:
    fields = {
        "uid": "court-date-1@acme.bailbondpro",
        "starts_at": datetime(2024, 3, 8, 9, 0, tzinfo=LA),
        "duration_minutes": 60,
        "summary": "Arraignment: John Doe",
        "location": "Dept 30",
        "description": "Bring ID",
    }
    return CalendarEvent(**(fields | changes))


def unfold(text: str) -> str:
    return text.replace("\r\n ", "")


def content_lines(text: str) -> list[str]:
    unfolded = unfold(text)
    assert unfolded.endswith("\r\n")
    return unfolded[:-2].split("\r\n")


def properties(text: str, name: str) -> list[str]:
    return [line.split(":", 1)[1] for line in content_lines(text) if line.split(":", 1)[0] == name]


def vevents(text: str) -> list[list[str]]:
    found, current = [], None
    for line in content_lines(text):
        if line == "BEGIN:VEVENT":
            current = []
        elif line == "END:VEVENT":
            found.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return found


# Structure ------------------------------------------------------------------


def test_calendar_structure_and_crlf():
    text = calendar([event()], name="Acme court dates", now=NOW)

    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert "\r" not in text.replace("\r\n", "")
    assert content_lines(text) == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//BailBondPro//Court dates//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Acme court dates",
        "BEGIN:VEVENT",
        "UID:court-date-1@acme.bailbondpro",
        "DTSTAMP:20240301T174530Z",
        "DTSTART:20240308T170000Z",
        "DTEND:20240308T180000Z",
        "SUMMARY:Arraignment: John Doe",
        "LOCATION:Dept 30",
        "DESCRIPTION:Bring ID",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-P1D",
        "DESCRIPTION:Tomorrow: Arraignment: John Doe",
        "END:VALARM",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT2H",
        "DESCRIPTION:In 2 hours: Arraignment: John Doe",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]


def test_each_event_gets_its_own_vevent():
    events = [event(uid="a@x"), event(uid="b@x"), event(uid="c@x")]

    text = calendar(events, name="Acme", now=NOW)

    assert len(vevents(text)) == 3
    assert properties(text, "UID") == ["a@x", "b@x", "c@x"]


def test_empty_event_list_is_still_a_valid_calendar():
    text = calendar([], name="Acme", now=NOW)

    assert text == (
        "BEGIN:VCALENDAR\r\n"
        "VERSION:2.0\r\n"
        "PRODID:-//BailBondPro//Court dates//EN\r\n"
        "CALSCALE:GREGORIAN\r\n"
        "METHOD:PUBLISH\r\n"
        "X-WR-CALNAME:Acme\r\n"
        "END:VCALENDAR\r\n"
    )


# Times ----------------------------------------------------------------------


def test_dtstamp_is_now_in_utc():
    now = datetime(2024, 7, 4, 10, 15, 0, tzinfo=LA)

    text = calendar([event()], name="Acme", now=now)

    assert properties(text, "DTSTAMP") == ["20240704T171500Z"]


def test_times_convert_to_utc_on_both_sides_of_spring_forward():
    before = event(uid="before@x", starts_at=datetime(2024, 3, 9, 9, 0, tzinfo=LA))  # PST, -8
    after = event(uid="after@x", starts_at=datetime(2024, 3, 11, 9, 0, tzinfo=LA))  # PDT, -7

    text = calendar([before, after], name="Acme", now=NOW)

    assert properties(text, "DTSTART") == ["20240309T170000Z", "20240311T160000Z"]
    assert properties(text, "DTEND") == ["20240309T180000Z", "20240311T170000Z"]


def test_duration_spanning_fall_back_is_real_elapsed_time():
    # 00:30 PDT plus two hours is 01:30 PST; wall-clock arithmetic would give 02:30 PST.
    starts = datetime(2024, 11, 3, 0, 30, tzinfo=LA)

    text = calendar([event(starts_at=starts, duration_minutes=120)], name="Acme", now=NOW)

    assert properties(text, "DTSTART") == ["20241103T073000Z"]
    assert properties(text, "DTEND") == ["20241103T093000Z"]


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="starts_at must be timezone-aware"):
        event(starts_at=datetime(2024, 3, 8, 9, 0))
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        calendar([event()], name="Acme", now=datetime(2024, 3, 1, 9, 0))


def test_negative_duration_is_refused():
    with pytest.raises(ValueError, match="duration_minutes"):
        event(duration_minutes=-5)


# Escaping -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("plain text", "plain text"),
        ("a\\b", "a\\\\b"),
        ("a;b", "a\\;b"),
        ("a,b", "a\\,b"),
        ("a\nb", "a\\nb"),
        ("a\r\nb", "a\\nb"),
        ("a\rb", "a\\nb"),
        ("C:\\new", "C:\\\\new"),
        ("tab\tkept", "tab\tkept"),
        ("bell\x07gone", "bellgone"),
        ("Time: 9:00", "Time: 9:00"),
    ],
)
def test_escape(raw, escaped):
    assert escape(raw) == escaped


def test_text_properties_are_escaped():
    tricky = event(
        uid="x;1@acme",
        summary="Hearing; Doe, John",
        location="Dept 30, 111 N Hill St\nLos Angeles",
        description="Bring ID\\papers;\r\nCall 555-0100, ask for Sam",
    )

    text = calendar([tricky], name="Acme, Inc; LA\\Office", now=NOW)

    assert properties(text, "X-WR-CALNAME") == ["Acme\\, Inc\\; LA\\\\Office"]
    assert properties(text, "UID") == ["x\\;1@acme"]
    assert properties(text, "SUMMARY") == ["Hearing\\; Doe\\, John"]
    assert properties(text, "LOCATION") == ["Dept 30\\, 111 N Hill St\\nLos Angeles"]
    assert properties(text, "DESCRIPTION")[0] == (
        "Bring ID\\\\papers\\;\\nCall 555-0100\\, ask for Sam"
    )
    assert "\r\nLos Angeles" not in text


# Folding --------------------------------------------------------------------


def test_long_utf8_description_is_folded_without_splitting_characters():
    description = "Señora Müller — audiencia en el tribunal 法院 ✓ 🙂 " * 12
    text = calendar([event(description=description)], name="Acme", now=NOW)

    raw = text.encode()
    physical = raw.split(b"\r\n")
    assert physical[-1] == b""
    for line in physical[:-1]:
        assert len(line) <= 75, line
        line.decode("utf-8")  # strict: a split multi-byte character would fail here
    assert any(line.startswith(b" ") for line in physical)
    assert properties(text, "DESCRIPTION")[0] == description


def test_continuation_lines_start_with_a_single_space():
    text = calendar([event(summary="x" * 200)], name="Acme", now=NOW)

    summary_lines = text.split("SUMMARY:", 1)[1].split("\r\nLOCATION:", 1)[0].split("\r\n")
    assert [len(line.encode()) for line in summary_lines] == [
        75 - len("SUMMARY:"),
        75,
        1 + 200 - 67 - 74,
    ]
    for line in summary_lines[1:]:
        assert line.startswith(" ") and not line.startswith("  ")
    assert properties(text, "SUMMARY") == ["x" * 200]


def test_fold_leaves_short_lines_alone():
    line = "DESCRIPTION:" + "a" * (75 - len("DESCRIPTION:"))

    assert fold(line) == line


def test_fold_keeps_multibyte_characters_whole_at_the_boundary():
    line = "a" * 74 + "é" + "b"  # "é" is 2 octets and would straddle octet 75

    assert fold(line) == "a" * 74 + "\r\n éb"


def test_folded_four_byte_characters_stay_within_the_limit():
    line = "DESCRIPTION:" + "🙂" * 100

    physical = fold(line).split("\r\n")

    assert all(len(part.encode()) <= 75 for part in physical)
    assert unfold(fold(line)) == line


# Alarms ---------------------------------------------------------------------


def test_every_event_has_day_before_and_two_hour_reminders():
    text = calendar([event(uid="a@x"), event(uid="b@x")], name="Acme", now=NOW)

    for lines in vevents(text):
        assert lines.count("BEGIN:VALARM") == 2
        assert lines.count("END:VALARM") == 2
        assert lines.count("ACTION:DISPLAY") == 2
        assert [line for line in lines if line.startswith("TRIGGER:")] == [
            "TRIGGER:-P1D",
            "TRIGGER:-PT2H",
        ]


def test_an_event_at_the_last_moment_python_holds_still_exports():
    last = datetime.max.replace(tzinfo=UTC)
    text = unfold(calendar([event(starts_at=last)], name="Acme", now=NOW))

    assert "DTSTART:99991231T235959Z" in text and "DTEND:99991231T235959Z" in text
