"""Platform billing: plans, each agency's Stripe customer and subscription (docs/billing.md)."""
