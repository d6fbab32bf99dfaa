"""Indemnitors."""
