"""Languages: the portal speaks English and Spanish; staff pages are in English."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_datetime, format_skeleton
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import get_locale, refresh

from bbp.extensions import babel
from bbp.kernel.clock import local

LANGUAGES = ("en", "es")
LANGUAGE_NAMES = {"en": "English", "es": "Español"}
PEOPLE_FACING = ("portal", "signatures")
PUBLIC_CHECK_IN = ("checkins.public", "checkins.public_post")  # the texted check-in link
SESSION_KEY = "portal_language"


def select_locale() -> str:
    """On portal pages: the person's saved language, their last choice, or the browser's."""
    if not has_request_context():
        return "en"
    view = current_app.view_functions.get(request.endpoint)
    if (
        request.blueprint not in PEOPLE_FACING
        and request.endpoint not in PUBLIC_CHECK_IN
        and not getattr(view, "people_page", False)
    ):
        return "en"
    if getattr(view, "staff_page", False):  # a staff page in a people-facing feature
        return "en"
    chosen = g.get(SESSION_KEY) or session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "en"


def people_page(view):
    """Mark a page defendants and cosigners read (outside the portal's blueprint: paying
    online): it speaks their language like the portal does."""
    view.people_page = True
    return view


def speak(language: str | None) -> None:
    """On a people page for one known person (a texted link): their saved language, unless the
    visitor picked one on the switch."""
    if language in LANGUAGES and session.get(SESSION_KEY) not in LANGUAGES:
        g.setdefault(SESSION_KEY, language)
        refresh()


def init_app(app: Flask) -> None:
    """Install Flask-Babel with our locale selector; catalogs live in bbp/translations."""

    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories="translations"
    )
    app.jinja_env.globals.update(LANGUAGE_NAMES=LANGUAGE_NAMES, get_locale=get_locale)
    app.add_template_filter(when, "when")


def when(value: datetime | date | None, style: str = "long") -> str:
    """A date or time in the agency's zone, written the reader's way ("martes, 3 de marzo")."""
    if value is None:
        return ""
    locale = str(get_locale() or "en")
    if not isinstance(value, datetime):
        return format_date(value, format="long" if style == "long" else "medium", locale=locale)
    pattern = "EEEE, MMMM d, y, h:mm a" if style == "long" else "MMM d, y, h:mm a"
    if locale == "es":
        pattern = "EEEE d 'de' MMMM 'de' y, H:mm" if style == "long" else "d MMM y, H:mm"
    return format_datetime(local(value), pattern, locale=locale)


def day_in_words(value: date) -> str:
    """A day of the year in the current language, never in digits a reader could take either
    way round ("December 7", "7 de diciembre"; not 12/07)."""
    return format_skeleton("MMMMd", value, locale=str(get_locale() or "en"))


def moment_in_words(value: datetime) -> str:
    """A time in the agency's zone, short, in the current language ("Nov 2 at 9:00 AM",
    "2 de noviembre a las 9:00")."""
    locale = str(get_locale() or "en")
    pattern = "d 'de' MMMM 'a las' H:mm" if locale == "es" else "MMM d 'at' h:mm a"
    return format_datetime(local(value), pattern, locale=locale)
