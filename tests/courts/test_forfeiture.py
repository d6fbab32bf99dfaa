"""Forfeiture deadlines: state defaults, agency overrides, chaining and the alert window."""

from __future__ import annotations

from datetime import date

import pytest

from bbp.courts.forfeiture import (
    FORFEITURE,
    NOTICE_MAILED,
    STATE_RULES,
    Deadline,
    DeadlineRule,
    compute,
    deadlines,
    rules_for,
    upcoming,
)

ESTIMATED = "estimated from the forfeiture date"


def due_dates(found: list[Deadline]) -> dict[str, date]:
    return {deadline.key: deadline.due for deadline in found}


def by_key(found: list[Deadline]) -> dict[str, Deadline]:
    return {deadline.key: deadline for deadline in found}


# California -----------------------------------------------------------------


def test_california_appearance_period_is_180_days_plus_5_from_mailing():
    # Dates from County of Los Angeles v. Allegheny Casualty Co. (2017) 13 Cal.App.5th 580:
    # notice mailed 2014-10-14, appearance period ended 2015-04-17.
    found = deadlines("CA", date(2014, 10, 10), notice_mailed_on=date(2014, 10, 14))

    assert due_dates(found) == {
        "appearance_period_end": date(2015, 4, 17),
        "summary_judgment_window_end": date(2015, 7, 16),
        "extension_max_end": date(2015, 10, 14),
    }


def test_california_deadlines_count_from_mailing_not_forfeiture():
    # People v. Ranger Ins. Co. (2000) 77 Cal.App.4th 813: forfeited and mailed the same day.
    found = deadlines("CA", date(1997, 8, 14), notice_mailed_on=date(1997, 8, 14))

    assert due_dates(found)["appearance_period_end"] == date(1998, 2, 15)


def test_california_chained_deadlines_follow_the_appearance_period():
    found = due_dates(deadlines("CA", date(2014, 10, 10), notice_mailed_on=date(2014, 11, 7)))

    assert found["appearance_period_end"] == date(2015, 5, 11)
    assert (found["extension_max_end"] - found["appearance_period_end"]).days == 180
    assert (found["summary_judgment_window_end"] - found["appearance_period_end"]).days == 90


def test_california_without_a_mailing_date_is_estimated_from_the_forfeiture():
    found = by_key(deadlines("CA", date(2014, 10, 10)))

    # No mailing known, so no mailing days: the earliest the real date can be.
    assert found["appearance_period_end"].due == date(2015, 4, 8)
    assert found["summary_judgment_window_end"].due == date(2015, 7, 7)
    assert found["extension_max_end"].due == date(2015, 10, 5)
    # Chained rules inherit the estimate.
    assert all(ESTIMATED in deadline.description.lower() for deadline in found.values())


def test_known_mailing_date_is_not_flagged_as_estimated():
    found = deadlines("CA", date(2014, 10, 10), notice_mailed_on=date(2014, 10, 14))

    assert not any(ESTIMATED in deadline.description.lower() for deadline in found)


# Texas ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("served_on", "answer_due"),
    [
        # Day 20 is Monday 2013-10-21: the answer is due the Monday after.
        (date(2013, 10, 1), date(2013, 10, 28)),
        # Day 20 is Tuesday 2013-10-22: the next Monday.
        (date(2013, 10, 2), date(2013, 10, 28)),
        # Day 20 is Saturday 2013-10-19: the Monday two days later.
        (date(2013, 9, 29), date(2013, 10, 21)),
    ],
)
def test_texas_answer_is_due_the_monday_after_20_days(served_on, answer_due):
    found = by_key(deadlines("TX", date(2013, 9, 2), notice_mailed_on=served_on))

    assert found["answer_due"].due == answer_due
    assert found["answer_due"].due.weekday() == 0


def test_texas_answer_without_a_notice_date_is_estimated_from_the_forfeiture():
    found = by_key(deadlines("TX", date(2013, 9, 11)))

    # 2013-09-11 + 20 days is Tuesday 2013-10-01.
    assert found["answer_due"].due == date(2013, 10, 7)
    assert ESTIMATED in found["answer_due"].description.lower()
    assert ESTIMATED not in found["remittitur_window_end"].description.lower()


def test_texas_special_bill_of_review_window_is_730_days_from_forfeiture():
    found = due_dates(deadlines("TX", date(2024, 3, 4), notice_mailed_on=date(2024, 3, 20)))

    assert found["remittitur_window_end"] == date(2026, 3, 4)


# Florida --------------------------------------------------------------------


def test_florida_deadlines_from_forfeiture_and_mailing():
    found = deadlines("FL", date(2024, 6, 3), notice_mailed_on=date(2024, 6, 7))

    assert due_dates(found) == {
        "payment_due": date(2024, 8, 6),
        "full_remission_window_end": date(2024, 9, 1),
        "remission_window_end": date(2026, 6, 3),
    }


def test_florida_payment_without_a_mailing_date_is_estimated_from_the_forfeiture():
    found = by_key(deadlines("FL", date(2024, 6, 3)))

    assert found["payment_due"].due == date(2024, 8, 2)
    assert ESTIMATED in found["payment_due"].description.lower()
    assert found["full_remission_window_end"].due == date(2024, 9, 1)
    assert ESTIMATED not in found["full_remission_window_end"].description.lower()


# Across states --------------------------------------------------------------


@pytest.mark.parametrize("state", ["CA", "TX", "FL"])
def test_deadlines_are_sorted_by_due_date(state):
    found = deadlines(state, date(2024, 1, 15), notice_mailed_on=date(2024, 1, 19))

    assert [d.due for d in found] == sorted(d.due for d in found)
    assert {d.key for d in found} == {rule.key for rule in STATE_RULES[state].rules}


@pytest.mark.parametrize("state", [None, "", "NV", "ZZ"])
def test_state_without_shipped_rules_has_no_deadlines(state):
    assert deadlines(state, date(2024, 1, 15)) == []
    assert rules_for(state) is None


def test_state_code_is_case_insensitive():
    assert rules_for(" ca ") is STATE_RULES["CA"]


@pytest.mark.parametrize("state", ["CA", "TX", "FL"])
def test_shipped_rules_show_their_days_and_cite_the_statute(state):
    for rule in STATE_RULES[state].rules:
        # The day count in the label is what an override rewrites.
        assert f"({rule.days} days" in rule.label
        assert "§" in rule.description or "art." in rule.description


def test_notice_mailed_before_forfeiture_is_refused():
    with pytest.raises(ValueError, match="before the forfeiture"):
        deadlines("FL", date(2024, 6, 3), notice_mailed_on=date(2024, 6, 1))


# Agency overrides -----------------------------------------------------------


def test_override_changes_days_label_and_description():
    found = by_key(
        deadlines("FL", date(2024, 6, 3), date(2024, 6, 7), overrides={"payment_due": 45})
    )

    assert found["payment_due"].due == date(2024, 7, 22)
    assert found["payment_due"].label == "Forfeiture payment due (45 days)"
    assert "Agency setting: 45 days (statutory default 60)" in found["payment_due"].description
    assert found["remission_window_end"].due == date(2026, 6, 3)


def test_override_of_a_chained_rule_moves_the_rules_built_on_it():
    found = due_dates(
        deadlines(
            "CA", date(2014, 10, 10), date(2014, 10, 14), overrides={"appearance_period_end": 170}
        )
    )

    # 170 + 5 mailing days from 2014-10-14.
    assert found["appearance_period_end"] == date(2015, 4, 7)
    assert found["summary_judgment_window_end"] == date(2015, 7, 6)
    assert found["extension_max_end"] == date(2015, 10, 4)


def test_override_leaves_the_shipped_defaults_untouched():
    rules = rules_for("TX", {"answer_due": 10})

    assert rules is not None
    assert rules.rules[0].days == 10
    assert STATE_RULES["TX"].rules[0].days == 20


def test_override_equal_to_the_default_changes_nothing():
    assert rules_for("CA", {"appearance_period_end": 180}) == STATE_RULES["CA"]


def test_unknown_override_key_is_refused_with_the_known_keys():
    with pytest.raises(ValueError, match="appearance_period") as refused:
        rules_for("CA", {"appearance_period": 200})

    assert "appearance_period_end" in str(refused.value)
    with pytest.raises(ValueError, match="payment_due"):
        deadlines("TX", date(2024, 1, 15), overrides={"payment_due": 60})


@pytest.mark.parametrize("days", [-1, 1.5, "30", True])
def test_override_days_must_be_a_whole_number_not_negative(days):
    with pytest.raises(ValueError, match="whole number"):
        rules_for("FL", {"payment_due": days})


# Chained rules --------------------------------------------------------------


def test_chained_rules_resolve_whatever_their_order():
    rules = (
        DeadlineRule("third", "Third (5 days)", 5, "second"),
        DeadlineRule("second", "Second (10 days)", 10, "first"),
        DeadlineRule("first", "First (30 days)", 30, NOTICE_MAILED, mail_extension_days=2),
        DeadlineRule("alone", "Alone (1 days)", 1, FORFEITURE),
    )

    found = compute(rules, date(2024, 1, 1), notice_mailed_on=date(2024, 1, 3))

    assert [(d.key, d.due) for d in found] == [
        ("alone", date(2024, 1, 2)),
        ("first", date(2024, 2, 4)),
        ("second", date(2024, 2, 14)),
        ("third", date(2024, 2, 19)),
    ]


def test_chain_loops_and_unknown_events_are_refused():
    loop = (
        DeadlineRule("a", "A (1 days)", 1, "b"),
        DeadlineRule("b", "B (1 days)", 1, "a"),
    )
    with pytest.raises(ValueError, match="depends on itself"):
        compute(loop, date(2024, 1, 1))
    with pytest.raises(ValueError, match="unknown 'arrest'"):
        compute((DeadlineRule("a", "A (1 days)", 1, "arrest"),), date(2024, 1, 1))


# upcoming() -----------------------------------------------------------------


def make(key: str, due: date) -> Deadline:
    return Deadline(key=key, label=key, due=due, description="")


def test_upcoming_keeps_overdue_and_due_within_the_window_soonest_first():
    today = date(2024, 6, 1)
    found = [
        make("later", date(2024, 7, 2)),
        make("edge", date(2024, 7, 1)),
        make("today", today),
        make("overdue", date(2024, 5, 20)),
    ]

    assert [d.key for d in upcoming(found, today)] == ["overdue", "today", "edge"]
    assert [d.key for d in upcoming(found, today, within_days=0)] == ["overdue", "today"]


def test_upcoming_on_real_deadlines():
    found = deadlines("FL", date(2024, 6, 3), notice_mailed_on=date(2024, 6, 7))

    assert [d.key for d in upcoming(found, date(2024, 7, 20))] == ["payment_due"]
    assert [d.key for d in upcoming(found, date(2024, 8, 10))] == [
        "payment_due",
        "full_remission_window_end",
    ]
    assert upcoming([], date(2024, 8, 10)) == []


def test_deadlines_from_a_date_at_the_end_of_the_calendar_stop_there():
    found = due_dates(deadlines("TX", date(9999, 12, 1), notice_mailed_on=date(9999, 12, 31)))
    assert found == {"answer_due": date.max, "remittitur_window_end": date.max}
    assert due_dates(deadlines("CA", date(9999, 12, 31)))["extension_max_end"] == date.max
