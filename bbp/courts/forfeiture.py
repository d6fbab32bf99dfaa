"""Bond forfeiture deadlines: per-state rules, agency overrides and the dates they produce."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from bbp.kernel.dates import add_days

FORFEITURE = "forfeiture"
NOTICE_MAILED = "notice_mailed"
MONDAY = 0

ESTIMATE_NOTE = (
    "Date estimated from the forfeiture date; enter the notice mailing date for the exact date."
)


@dataclass(frozen=True)
class DeadlineRule:
    """One statutory deadline, counted in calendar days from an event or another rule."""

    key: str
    label: str
    days: int
    from_event: str  # FORFEITURE, NOTICE_MAILED, or another rule's key
    mail_extension_days: int = 0  # added only when counting from a known mailing date
    description: str = ""
    next_weekday: int | None = None  # then roll to the next such weekday after the count (0=Mon)


@dataclass(frozen=True)
class StateRules:
    """The deadline rules that apply to forfeitures in one state."""

    state: str
    name: str
    rules: tuple[DeadlineRule, ...]
    source: str


@dataclass(frozen=True)
class Deadline:
    """A computed deadline for one forfeiture."""

    key: str
    label: str
    due: date
    description: str


CALIFORNIA = StateRules(
    state="CA",
    name="California",
    source="Cal. Penal Code §§ 1305, 1305.4, 1306",
    rules=(
        DeadlineRule(
            key="appearance_period_end",
            label="Appearance period ends (180 days + 5 mailing days)",
            days=180,
            from_event=NOTICE_MAILED,
            mail_extension_days=5,
            description=(
                "Under Cal. Penal Code § 1305(b)-(c) the forfeiture is vacated if the defendant "
                "appears within 180 days of the mailing of the notice of forfeiture, plus 5 days "
                "for mailing, and a motion to extend (§ 1305.4) must be filed by this date."
            ),
        ),
        DeadlineRule(
            key="extension_max_end",
            label="Extended appearance period ends at the latest (180 days)",
            days=180,
            from_event="appearance_period_end",
            description=(
                "Under Cal. Penal Code § 1305.4 the court may extend the appearance period to at "
                "most 180 days from its order, shown here as if the order were made on the day "
                "the appearance period ends, so use the date in the court's order once known."
            ),
        ),
        DeadlineRule(
            key="summary_judgment_window_end",
            label="Summary judgment window closes (90 days)",
            days=90,
            from_event="appearance_period_end",
            description=(
                "Under Cal. Penal Code § 1306(c) summary judgment must be entered within 90 days "
                "after it could first be entered, or the bail is exonerated, and an extension "
                "moves this date by the length of the extension."
            ),
        ),
    ),
)

TEXAS = StateRules(
    state="TX",
    name="Texas",
    source="Tex. Code Crim. Proc. arts. 22.02-22.17; Tex. R. Civ. P. 99(b)",
    rules=(
        DeadlineRule(
            key="answer_due",
            label="Answer to judgment nisi due (20 days, then next Monday)",
            days=20,
            from_event=NOTICE_MAILED,
            next_weekday=MONDAY,
            description=(
                "Under Tex. Code Crim. Proc. art. 22.05 and Tex. R. Civ. P. 99(b) the surety "
                "must answer by 10:00 a.m. on the Monday next after 20 days from service of "
                "citation (counted here from the notice date; a court holiday moves it later)."
            ),
        ),
        DeadlineRule(
            key="remittitur_window_end",
            label="Special bill of review deadline (730 days)",
            days=730,
            from_event=FORFEITURE,
            description=(
                "Under Tex. Code Crim. Proc. art. 22.17 a special bill of review for remittitur "
                "may be filed within 2 years after final judgment, counted here from the "
                "earlier forfeiture date so the real deadline is at or after this date."
            ),
        ),
    ),
)

FLORIDA = StateRules(
    state="FL",
    name="Florida",
    source="Fla. Stat. §§ 903.26, 903.27, 903.28",
    rules=(
        DeadlineRule(
            key="payment_due",
            label="Forfeiture payment due (60 days)",
            days=60,
            from_event=NOTICE_MAILED,
            description=(
                "Under Fla. Stat. § 903.26(2)(a) the forfeiture must be paid within 60 days of the "
                "date the clerk mailed the notice (a motion to set it aside may be filed within "
                "the same 60 days), or the clerk enters judgment against the surety (§ 903.27)."
            ),
        ),
        DeadlineRule(
            key="full_remission_window_end",
            label="Full remission window closes (90 days)",
            days=90,
            from_event=FORFEITURE,
            description=(
                "Under Fla. Stat. § 903.28(2) up to 100% of a paid forfeiture is remitted if the "
                "defendant is surrendered or apprehended within 90 days after forfeiture."
            ),
        ),
        DeadlineRule(
            key="remission_window_end",
            label="Remission window closes (730 days)",
            days=730,
            from_event=FORFEITURE,
            description=(
                "Under Fla. Stat. § 903.28 remission must be applied for within 2 years from "
                "forfeiture, with a smaller share remitted the later the defendant is returned."
            ),
        ),
    ),
)

STATE_RULES: dict[str, StateRules] = {rules.state: rules for rules in (CALIFORNIA, TEXAS, FLORIDA)}


def rules_for(state: str | None, overrides: dict[str, int] | None = None) -> StateRules | None:
    """The state's rules with the agency's day counts applied, or None if none are shipped."""
    state_rules = STATE_RULES.get((state or "").strip().upper())
    if state_rules is None or not overrides:
        return state_rules
    _check_overrides(state_rules, overrides)
    rules = tuple(
        _with_days(rule, overrides[rule.key]) if rule.key in overrides else rule
        for rule in state_rules.rules
    )
    return replace(state_rules, rules=rules)


def deadlines(
    state: str | None,
    forfeited_on: date,
    notice_mailed_on: date | None = None,
    overrides: dict[str, int] | None = None,
) -> list[Deadline]:
    """The forfeiture's deadlines in the state, soonest first; [] for a state without rules."""
    state_rules = rules_for(state, overrides)
    if state_rules is None:
        return []
    return compute(state_rules.rules, forfeited_on, notice_mailed_on)


def compute(
    rules: tuple[DeadlineRule, ...], forfeited_on: date, notice_mailed_on: date | None = None
) -> list[Deadline]:
    """Apply rules to a forfeiture's dates, resolving chained rules first; soonest first."""
    if notice_mailed_on is not None and notice_mailed_on < forfeited_on:
        raise ValueError(
            f"The notice mailing date ({notice_mailed_on}) is before the forfeiture "
            f"date ({forfeited_on})."
        )
    resolved: dict[str, tuple[date, bool]] = {}
    for rule in _in_dependency_order(rules):
        start, estimated = _start(rule, forfeited_on, notice_mailed_on, resolved)
        resolved[rule.key] = (_due(rule, start), estimated)
    found = [_deadline(rule, *resolved[rule.key]) for rule in rules]
    return sorted(found, key=lambda deadline: deadline.due)


def upcoming(deadlines: list[Deadline], today: date, within_days: int = 30) -> list[Deadline]:
    """Deadlines due by today + within_days, overdue ones included (due < today), soonest first."""
    horizon = today + timedelta(days=within_days)
    return sorted((d for d in deadlines if d.due <= horizon), key=lambda d: d.due)


def _check_overrides(state_rules: StateRules, overrides: dict[str, int]) -> None:
    known = [rule.key for rule in state_rules.rules]
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        raise ValueError(
            f"Unknown {state_rules.name} forfeiture rule(s): {', '.join(unknown)}. "
            f"Known rules: {', '.join(known)}."
        )
    for key, days in overrides.items():
        # bool is an int subclass; True would silently mean 1 day.
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ValueError(f"Days for {key} must be a whole number of days, 0 or more.")


def _with_days(rule: DeadlineRule, days: int) -> DeadlineRule:
    if days == rule.days:
        return rule
    note = f"Agency setting: {days} days (statutory default {rule.days})."
    return replace(
        rule,
        days=days,
        label=rule.label.replace(f"({rule.days} days", f"({days} days", 1),
        description=f"{rule.description} {note}".strip(),
    )


def _in_dependency_order(rules: tuple[DeadlineRule, ...]) -> list[DeadlineRule]:
    by_key = {rule.key: rule for rule in rules}
    if len(by_key) != len(rules):
        raise ValueError("Forfeiture rule keys must be unique.")
    ordered: dict[str, DeadlineRule] = {}
    for rule in rules:
        _visit(rule, by_key, ordered, set())
    return list(ordered.values())


def _visit(
    rule: DeadlineRule,
    by_key: dict[str, DeadlineRule],
    ordered: dict[str, DeadlineRule],
    path: set[str],
) -> None:
    if rule.key in ordered:
        return
    if rule.key in path:
        raise ValueError(f"Forfeiture rule {rule.key} depends on itself through a chain.")
    if rule.from_event in by_key:
        _visit(by_key[rule.from_event], by_key, ordered, path | {rule.key})
    elif rule.from_event not in (FORFEITURE, NOTICE_MAILED):
        raise ValueError(f"Forfeiture rule {rule.key} counts from unknown {rule.from_event!r}.")
    ordered[rule.key] = rule


def _start(
    rule: DeadlineRule,
    forfeited_on: date,
    notice_mailed_on: date | None,
    resolved: dict[str, tuple[date, bool]],
) -> tuple[date, bool]:
    """The day counting starts from, and whether it is an estimate."""
    if rule.from_event == FORFEITURE:
        return forfeited_on, False
    if rule.from_event == NOTICE_MAILED:
        if notice_mailed_on is None:
            # The notice always follows the forfeiture, so this errs early, never late.
            return forfeited_on, True
        return add_days(notice_mailed_on, rule.mail_extension_days), False
    return resolved[rule.from_event]


def _due(rule: DeadlineRule, start: date) -> date:
    due = add_days(start, rule.days)
    if rule.next_weekday is None:
        return due
    return add_days(due, (rule.next_weekday - due.weekday() - 1) % 7 + 1)


def _deadline(rule: DeadlineRule, due: date, estimated: bool) -> Deadline:
    description = f"{rule.description} {ESTIMATE_NOTE}" if estimated else rule.description
    return Deadline(key=rule.key, label=rule.label, due=due, description=description.strip())
