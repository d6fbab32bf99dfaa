"""Defendants."""
