"""Console routes on admin.<domain>: sign-in, agencies, admins and operations."""

from bbp.platform import bp as bp
from bbp.platform.views import agencies, signin, support  # noqa: F401  (attach routes to bp)
