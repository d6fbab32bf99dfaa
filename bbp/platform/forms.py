"""Console forms: inviting a platform admin and changing a role."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import Email, InputRequired, Length

from bbp.platform.roles import ADMIN_ROLES

ROLE_CHOICES = [SelectChoice(role, label) for role, label in ADMIN_ROLES.items()]
ROLE_HINT = (
    "Superadmins run agencies and the other admins; support answers agencies; "
    "finance reads plans, invoices and usage and changes nothing."
)


class AdminInviteForm(FlaskForm):
    """Who to invite to the console, with which role."""

    name = StringField("Name", validators=[InputRequired("Enter their name."), Length(max=120)])
    email = EmailField(
        "Email", validators=[InputRequired("Enter their email."), Email(), Length(max=254)]
    )
    role = SelectField("Role", choices=ROLE_CHOICES, default="support")


class AdminRoleForm(FlaskForm):
    """A platform admin's new role."""

    role = SelectField("Role", choices=ROLE_CHOICES)
