"""Invite and role forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import Email, InputRequired, Length

from bbp.auth.models import ROLE_LABELS
from bbp.web.forms import PhoneField

INVITABLE_ORDER = ("agent", "manager", "viewer", "admin", "owner")
ROLE_CHOICES = [SelectChoice(role, ROLE_LABELS[role]) for role in INVITABLE_ORDER]
ROLE_HINT = (
    "Agents write bonds; managers also see sensitive data; admins manage the team; "
    "owners manage everything."
)


def offer_only(form, roles: tuple[str, ...]) -> None:
    """Show only the roles the signed-in person may give (validation has already run)."""
    form.role.choices = [choice for choice in ROLE_CHOICES if choice.value in roles]


class InviteForm(FlaskForm):
    """Who to invite and with which role."""

    name = StringField("Name", validators=[InputRequired("Enter their name."), Length(max=120)])
    email = EmailField(
        "Email", validators=[InputRequired("Enter their email."), Email(), Length(max=254)]
    )
    phone = PhoneField(
        "Mobile phone (for failure-to-appear alerts)", render_kw={"inputmode": "tel"}
    )
    role = SelectField("Role", choices=ROLE_CHOICES, default="agent")


class RoleForm(FlaskForm):
    """A team member's new role."""

    role = SelectField("Role", choices=ROLE_CHOICES)
