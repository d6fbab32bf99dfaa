"""Platform billing: plans, each agency's Stripe customer and subscription, and dunning: what
happens when an agency does not pay (docs/billing.md, docs/billing-dunning.md)."""
