"""Powers."""
