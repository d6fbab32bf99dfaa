"""Bond desk routes: the list and bond page, and the intake wizard."""

from bbp.bonds import bp as bp
from bbp.bonds.views import desk, intake, plan_step  # noqa: F401  (attach their routes to bp)
