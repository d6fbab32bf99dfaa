"""Console routes on admin.<domain>: sign-in, agencies, admins and operations."""

from bbp.platform import bp as bp
from bbp.platform.views import agencies, archives, signin  # noqa: F401  (attach their routes to bp)
