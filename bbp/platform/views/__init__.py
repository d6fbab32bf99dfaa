"""Console routes on admin.<domain>: sign-in, agencies, admins and operations."""

from bbp.platform import bp as bp
from bbp.platform.views import (  # noqa: F401  (attach their routes to bp)
    admins,
    agencies,
    archives,
    audit,
    billing,
    create,
    domains,
    dunning,
    jobs,
    lifecycle,
    operations,
    passwords,
    plans,
    signin,
    subscriptions,
    support,
    twostep,
)
