"""Sign-in and password forms (shared by staff and platform admins)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length

from bbp.kernel.accounts import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField("Email", validators=[InputRequired("Enter your email."), Email()])
    password = PasswordField("Password", validators=[InputRequired("Enter your password.")])


class SetPasswordForm(FlaskForm):
    """Choose a new password, typed twice."""

    password = PasswordField(
        "New password",
        validators=[
            InputRequired("Choose a password."),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=256,
                message=f"Use at least {MIN_PASSWORD_LENGTH} characters.",
            ),
        ],
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[
            InputRequired("Repeat the password."),
            EqualTo("password", "The two passwords differ."),
        ],
    )


class ForgotPasswordForm(FlaskForm):
    """Ask for a reset link by email."""

    email = EmailField("Email", validators=[InputRequired("Enter your email."), Email()])


class CodeForm(FlaskForm):
    """The second sign-in step: the app's 6-digit code, or a recovery code."""

    code = StringField(
        "Code",
        validators=[InputRequired("Enter the 6-digit code from your app."), Length(max=40)],
    )


class EnrollForm(FlaskForm):
    """Confirm a new authenticator app with its current code."""

    code = StringField(
        "Code from the app",
        validators=[InputRequired("Enter the 6-digit code your app shows."), Length(max=12)],
    )
