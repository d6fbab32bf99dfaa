"""Document routes: the agency's templates, and documents requested from people."""

from bbp.documents import bp as bp
from bbp.documents.views import agency_templates, requests  # noqa: F401  (attach routes to bp)
