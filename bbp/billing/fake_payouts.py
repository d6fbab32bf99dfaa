"""Payouts and balance transactions in the fake Stripe, on connected accounts (a mixin of
`FakeStripe`).

The fake keeps no running balance: `pay_out` (fake-only, behind a development button and tests)
gathers what moved on the account since its last payout (each succeeded charge, refund, dispute
withdrawal or reinstatement, and refund that failed after it was paid out), writes a balance
transaction for each with Stripe's fees (2.9% + 30¢ on a charge plus the platform's application
fee; $15 on a dispute; the application fee a refund returns comes back as a negative fee), and
pays the net to the bank at once: `payout.created` then `payout.paid`. `balance_transactions`
lists by `payout`, with `expand[]=data.source` as Stripe allows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from bbp.billing.fake_disputes import DISPUTE_FEE
from bbp.billing.fake_lists import page
from bbp.billing.fake_resources import ID, StripeFault, stamp
from bbp.kernel.clock import utcnow
from bbp.kernel.keys import platform_key

PERCENT, FIXED = Decimal("0.029"), 30  # Stripe's US card pricing
SOURCE_KINDS = {"ch": "charges", "re": "refunds", "dp": "disputes", "po": "payouts"}


def stripe_fee(amount: int) -> int:
    return int((amount * PERCENT).quantize(1, rounding=ROUND_HALF_UP)) + FIXED


class Payouts:
    """Payouts to the account's bank and the balance transactions in each."""

    # Balance transactions are declared (and retrieved) by Checkout's fake, which makes a
    # charge's; this lists them by payout and writes the rest.
    KINDS = {"payouts": ("po", "payout")}
    ROUTES = [
        ("get", "/v1/payouts", "_list_payouts"),
        ("get", f"/v1/payouts/{ID}", "_retrieve_payout"),
        ("get", "/v1/balance_transactions", "_list_balance_transactions"),
    ]

    def _retrieve_payout(self, params: dict, id: str) -> dict:
        return self.get("payouts", id)

    def _list_payouts(self, params: dict) -> dict:
        return page(self.indexed("payouts", "payouts"), params, "/v1/payouts")

    def _list_balance_transactions(self, params: dict) -> dict:
        if not params.get("payout"):
            raise StripeFault(400, "The fake lists a payout's transactions only.", param="payout")
        self.get("payouts", params["payout"])
        found = page(self.indexed("balance_transactions", f"payout:{params['payout']}"), params, "")
        if "data.source" in (params.get("expand") or []):
            for txn in found["data"]:
                kind = SOURCE_KINDS.get(txn["source"].split("_")[0])
                txn["source"] = self.get(kind, txn["source"]) if kind else txn["source"]
        found["url"] = "/v1/balance_transactions"
        return found

    # Fake-only: Stripe's payout schedule ------------------------------------------------------
    def pay_out(self) -> dict:
        """Pay out everything that moved since the last payout (on the account acted as)."""
        if self.account is None:
            raise ValueError("payouts are made on a connected account")
        moves = [*self._charge_moves(), *self._refund_moves(), *self._dispute_moves()]
        net = sum(amount - fee for _, _, amount, fee, *_ in moves)
        if not moves or net <= 0:
            raise StripeFault(400, "Nothing is available to pay out.", code="balance_insufficient")
        today = utcnow().astimezone(UTC).date()
        arrival = datetime(today.year, today.month, today.day, tzinfo=UTC) + timedelta(days=2)
        payout = self._new(
            "payouts",
            amount=net,
            currency="usd",
            status="in_transit",
            arrival_date=stamp(arrival),
            automatic=True,
            method="standard",
            type="bank_account",
            failure_code=None,
            failure_message=None,
            metadata={},
        )
        self.index_add("payouts", payout["id"])
        moves.append((None, "payout", -net, 0, payout["id"], "STRIPE PAYOUT"))
        for mark, *fields in moves:
            if mark:
                self.redis.sadd(self._paid_key(), mark)
            # A move names an existing balance transaction, or the fields of a new one.
            txn_id = fields[0] if fields[0].startswith("txn_") else self._txn(*fields)["id"]
            self.index_add(f"payout:{payout['id']}", txn_id)
        self._emit("payout.created", payout)
        payout["status"] = "paid"
        self._save(payout)
        self._emit("payout.paid", payout)
        return payout

    def fail_payout(
        self, payout_id: str, message: str = "The bank account has been closed."
    ) -> dict:
        """The bank sends the payout back."""
        payout = self.get("payouts", payout_id)
        payout.update(status="failed", failure_code="account_closed", failure_message=message)
        self._save(payout)
        self._emit("payout.failed", payout)
        return payout

    def _charge_moves(self) -> list[tuple]:
        """Each paid charge not paid out yet: its own balance transaction when it has one
        (Checkout's charges do), else one written now."""
        pattern = platform_key("stripe-fake", "account", self.account, "object", "ch_*")
        ids = (_text(key).rsplit(":", 1)[1] for key in self.redis.scan_iter(match=pattern))
        charges = sorted(
            (self.get("charges", i) for i in ids), key=lambda c: (c["created"], c["id"])
        )
        moves = []
        for c in charges:
            if not c.get("paid") or self._paid_out(f"charge:{c['id']}"):
                continue
            if c.get("balance_transaction"):
                txn = self.get("balance_transactions", c["balance_transaction"])
                moves.append((f"charge:{c['id']}", txn["id"], txn["amount"], txn["fee"]))
                continue
            fee = stripe_fee(c["amount"]) + self._application_fee_of(c)
            moves.append(
                (f"charge:{c['id']}", "charge", c["amount"], fee, c["id"], c.get("description"))
            )
        return moves

    def _refund_moves(self) -> list[tuple]:
        moves = []
        for refund in reversed(self.indexed("refunds", "refunds")):
            taken, rid = refund["status"] in ("succeeded", "pending"), refund["id"]
            if taken and not self._paid_out(f"refund:{rid}"):
                back = refund.get("application_fee_refunded", 0)
                moves.append(
                    (f"refund:{rid}", "refund", -refund["amount"], -back, rid, "REFUND FOR CHARGE")
                )
            failed = refund["status"] == "failed" and self._paid_out(f"refund:{rid}")
            if failed and not self._paid_out(f"refund_failure:{rid}"):
                moves.append(
                    (
                        f"refund_failure:{rid}",
                        "refund_failure",
                        refund["amount"],
                        0,
                        rid,
                        "REFUND FAILURE",
                    )
                )
        return moves

    def _dispute_moves(self) -> list[tuple]:
        moves = []
        for move in map(_text, self.redis.lrange(self._index_key("dispute-moves"), 0, -1)):
            if self._paid_out(f"dispute:{move}"):
                continue
            dispute_id, what = move.split(":")
            amount = self.get("disputes", dispute_id)["amount"]
            if what == "withdrawn":
                moves.append(
                    (
                        f"dispute:{move}",
                        "adjustment",
                        -amount,
                        DISPUTE_FEE,
                        dispute_id,
                        "Chargeback withdrawal",
                    )
                )
            else:
                moves.append(
                    (f"dispute:{move}", "adjustment", amount, 0, dispute_id, "Chargeback reversal")
                )
        return moves

    def _txn(self, kind: str, amount: int, fee: int, source: str, description: str | None) -> dict:
        return self._new(
            "balance_transactions",
            type=kind,
            amount=amount,
            fee=fee,
            net=amount - fee,
            currency="usd",
            source=source,
            description=description,
            status="available",
            reporting_category=kind,
        )

    def _paid_out(self, what: str) -> bool:
        return bool(self.redis.sismember(self._paid_key(), what))

    def _paid_key(self) -> str:
        return platform_key("stripe-fake", "paid-out", self.account)


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else value
