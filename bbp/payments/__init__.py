"""Payments ledger, receipts and payment plans."""
