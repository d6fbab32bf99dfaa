"""Billing forms: the console's (plans, trial extensions, comps) and the owner's plan change;
every rule a field can check alone, with its message beside it."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError

from bbp.kernel.dates import TRIAL_END
from bbp.web.forms import MoneyField, RangedDateField

MAX_MONTHLY = Decimal("100000")  # a plan over $100,000 a month is a typo
OVERAGE_PLACES = Decimal("0.0001")  # the column's four decimals of a cent


def overage_rules(form, field) -> None:
    """Per-text price in cents: fractions allowed down to a ten-thousandth of a cent."""
    if field.data is None:
        return
    if field.data < 0:
        raise ValidationError("The price per text cannot be negative.")
    if field.data >= 100:
        raise ValidationError("Enter the price per text in cents, under 100¢.")
    if field.data != field.data.quantize(OVERAGE_PLACES):
        raise ValidationError("Use at most four decimals of a cent, such as 1.5 or 0.75.")


class PlanForm(FlaskForm):
    """A plan's name, price, what it includes and its trial."""

    name = StringField(
        "Name",
        validators=[InputRequired("Enter the plan's name."), Length(max=60)],
        filters=[lambda v: (v or "").strip()],
    )
    monthly_price = MoneyField(
        "Monthly price ($)",
        allow_zero=True,
        validators=[
            InputRequired("Enter the monthly price, such as 99.00."),
            NumberRange(max=MAX_MONTHLY, message="The monthly price must be under $100,000."),
        ],
    )
    included_seats = IntegerField(
        "Staff seats included",
        validators=[
            InputRequired("Enter how many staff seats the plan includes."),
            NumberRange(min=1, max=10000, message="Include between 1 and 10,000 seats."),
        ],
    )
    included_texts = IntegerField(
        "Texts included per month",
        validators=[
            InputRequired("Enter how many texts a month the plan includes (0 for none)."),
            NumberRange(min=0, max=10_000_000, message="Include between 0 and 10,000,000 texts."),
        ],
    )
    text_overage_cents = DecimalField(
        "Price per extra text (¢)",
        validators=[
            InputRequired("Enter the price per extra text in cents, such as 1.5."),
            overage_rules,
        ],
    )
    trial_days = IntegerField(
        "Trial days",
        default=14,
        validators=[
            InputRequired("Enter the trial length in days (0 for none)."),
            NumberRange(min=0, max=730, message="A trial lasts 0 to 730 days (Stripe's limit)."),
        ],
    )
    active = BooleanField("Offered to new agencies", default=True)

    def plan_fields(self) -> dict:
        """The form's values as the plan services take them."""
        return {
            "name": self.name.data,
            "monthly_price_cents": int(self.monthly_price.data * 100),
            "included_seats": self.included_seats.data,
            "included_texts": self.included_texts.data,
            "text_overage_cents": self.text_overage_cents.data,
            "trial_days": self.trial_days.data,
            "active": self.active.data,
        }

    def show(self, plan) -> None:
        """Fill the form from a plan (the edit page's first view)."""
        self.name.data = plan.name
        self.monthly_price.data = Decimal(plan.monthly_price_cents) / 100
        self.included_seats.data = plan.included_seats
        self.included_texts.data = plan.included_texts
        self.text_overage_cents.data = plan.text_overage_cents.normalize()
        self.trial_days.data = plan.trial_days
        self.active.data = plan.active


REASON_MAX = 500


class DayField(RangedDateField):
    """A day typed or picked (YYYY-MM-DD), with a message people understand when it is not one."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a day, such as 2027-01-31.") from None


class TrialForm(FlaskForm):
    """Extend the agency's trial to a day, and why."""

    until = DayField("Trial ends on", within=TRIAL_END)
    reason = TextAreaField("Reason", validators=[Length(max=REASON_MAX)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="trial", **kwargs)


class CompForm(FlaskForm):
    """Give the agency free months, and why."""

    months = IntegerField(
        "Free months",
        validators=[
            InputRequired("Enter how many free months, such as 3."),
            NumberRange(min=1, max=24, message="Give between 1 and 24 months."),
        ],
    )
    reason = TextAreaField("Reason", validators=[Length(max=REASON_MAX)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="comp", **kwargs)


def plan_label(plan) -> str:
    """A plan as a choice reads: name, price and what it includes."""
    return (
        f"{plan.name} · ${plan.monthly_price_cents / 100:,.2f} a month · "
        f"{plan.included_seats} seats · {plan.included_texts:,} texts"
    )


class PlanChangeForm(FlaskForm):
    """Another plan for the agency; the moment its proration was previewed rides along."""

    plan_id = SelectField("New plan", choices=[], validate_choice=False)
    preview_token = HiddenField()  # the signed preview (agency, plan, second) the confirm repeats

    def offer(self, plans) -> PlanChangeForm:
        self.plan_id.choices = [("", "Choose a plan")] + [(str(p.id), plan_label(p)) for p in plans]
        return self


class PlanStartForm(FlaskForm):
    """The first plan of an agency that has none: its trial starts at once."""

    plan_id = SelectField("Plan", choices=[], validate_choice=False)

    def offer(self, plans) -> PlanStartForm:
        self.plan_id.choices = [("", "Choose a plan")] + [
            (
                str(p.id),
                plan_label(p) + (f" · {p.trial_days}-day free trial" if p.trial_days else ""),
            )
            for p in plans
        ]
        return self
