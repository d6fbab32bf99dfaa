"""Online payments: each agency takes money through its own Stripe Connect account."""
