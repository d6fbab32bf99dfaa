"""Billing pages on agency hosts."""
