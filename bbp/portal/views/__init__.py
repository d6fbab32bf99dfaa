"""Portal routes: sign-in, the visitor's pages, profile and signing."""

from bbp.portal import bp as bp
from bbp.portal.views import pages, profile, sign_in, signing  # noqa: F401  (attach routes)
