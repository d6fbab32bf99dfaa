"""Collateral."""
