"""Bonds: intake, charges, premium, status lifecycle."""
