"""Lists in the fake Stripe: per-account indexes of objects in the order they were made, and
Stripe's list pages (`limit`, `starting_after`, `has_more`), newest first as Stripe lists them."""

from __future__ import annotations

from bbp.billing.fake_resources import StripeFault
from bbp.kernel.keys import platform_key

LIST_LIMIT = 100


def page(objects: list[dict], params: dict, url: str) -> dict:
    """One page of `objects` (newest first) as Stripe answers a list call."""
    raw = params.get("limit") or "10"
    if not str(raw).isdigit() or not 1 <= int(raw) <= LIST_LIMIT:
        raise StripeFault(400, "Invalid limit: must be between 1 and 100.", param="limit")
    limit = int(raw)
    after = params.get("starting_after")
    if after:
        ids = [obj["id"] for obj in objects]
        if after not in ids:
            raise StripeFault(400, f"No such object: '{after}'", param="starting_after")
        objects = objects[ids.index(after) + 1 :]
    return {"object": "list", "url": url, "has_more": len(objects) > limit, "data": objects[:limit]}


class Indexes:
    """Which objects belong to a list (a charge's refunds, an account's payouts...), kept per
    connected account; `get`, `redis` and `account` come from the fake."""

    def index_add(self, name: str, object_id: str) -> None:
        self.redis.rpush(self._index_key(name), object_id)

    def indexed(self, kind: str, name: str) -> list[dict]:
        """The objects in index `name`, newest first."""
        ids = self.redis.lrange(self._index_key(name), 0, -1)
        return [self.get(kind, i.decode() if isinstance(i, bytes) else i) for i in reversed(ids)]

    def _index_key(self, name: str) -> str:
        return platform_key("stripe-fake", "index", self.account or "platform", name)
