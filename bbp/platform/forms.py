"""Console forms: a new agency, a custom domain, the reason each lifecycle change needs,
inviting a platform admin or changing a role, and restoring an archive."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, Email, InputRequired, Length, ValidationError

from bbp.platform.lifecycle import REASON_MAX
from bbp.platform.provisioning import ProvisioningError, validate_slug
from bbp.platform.roles import ADMIN_ROLES
from bbp.platform.zones import US_ZONES, state_choices, zone_choices

SLUG_HINT = "Lowercase letters, digits and hyphens; it becomes the agency's web address."


def slug_rules(form, field) -> None:
    """The CLI's subdomain rules (format and reserved words; whether it is free is the
    service's question, asked in its transaction)."""
    try:
        validate_slug(field.data)
    except ProvisioningError as exc:
        raise ValidationError(str(exc)) from None


class AgencyForm(FlaskForm):
    """What creating an agency needs (the slug and uniqueness rules live in provisioning)."""

    slug = StringField(
        "Subdomain", validators=[slug_rules], filters=[lambda v: (v or "").strip().lower()]
    )
    name = StringField(
        "Agency name", validators=[InputRequired("Enter the agency's name."), Length(max=120)]
    )
    state = SelectField(
        "State",
        choices=state_choices(),
        validators=[InputRequired("Choose the state the agency writes bonds in.")],
    )
    timezone = SelectField(
        "Time zone",
        choices=zone_choices(),
        default="America/New_York",
        validate_choice=False,  # AnyOf says what is wrong; WTForms only says "Not a valid choice"
        validators=[AnyOf(list(US_ZONES), message="Choose one of the US time zones listed.")],
    )
    owner_email = EmailField(
        "Owner's email",
        validators=[
            InputRequired("Enter the owner's email."),
            Email("Enter a valid email address."),
            Length(max=254),
        ],
    )
    owner_name = StringField("Owner's name", validators=[Length(max=120)])
    # Choices are the plans offered now, set by the view; blank leaves the choice for later.
    plan_id = SelectField("Plan", choices=[], validate_choice=False, default="")


class DomainForm(FlaskForm):
    """A custom domain to add to an agency."""

    hostname = StringField(
        "Custom domain",
        validators=[InputRequired("Enter a domain such as bonds.example.com."), Length(max=253)],
        filters=[lambda v: (v or "").strip().lower().rstrip(".")],
    )


class ReasonForm(FlaskForm):
    """A lifecycle change and why (the service refuses a blank reason, for the CLI too)."""

    reason = TextAreaField("Reason", validators=[Length(max=REASON_MAX)])


class DeletionForm(ReasonForm):
    """Scheduling a deletion: the reason and the agency's subdomain typed again."""

    confirm = StringField("Type the subdomain to confirm", validators=[Length(max=40)])


# One form per control on the agency page, each under its own prefix so ids never collide and a
# refused form keeps what was typed in it alone.
LIFECYCLE_FORMS = {
    "suspend": ReasonForm,
    "reactivate": ReasonForm,
    "delete": DeletionForm,
    "undelete": ReasonForm,
    "hold": ReasonForm,
    "release": ReasonForm,
}


def lifecycle_forms() -> dict[str, FlaskForm]:
    """The lifecycle controls' forms (filled from the request on a POST)."""
    return {name: form(prefix=name) for name, form in LIFECYCLE_FORMS.items()}


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


class RestoreForm(FlaskForm):
    """The subdomain of the new agency an archive is restored into."""

    slug = StringField(
        "New subdomain",
        validators=[InputRequired("Enter the new agency's subdomain."), Length(max=40)],
    )
