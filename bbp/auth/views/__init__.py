"""Staff sign-in routes: passwords and links (signin), the second step and the account page
(steps)."""

from bbp.auth import bp as bp
from bbp.auth.views import signin, steps  # noqa: F401  (attach their routes to bp)
