"""Windows input families."""
