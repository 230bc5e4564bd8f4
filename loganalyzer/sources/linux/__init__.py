"""Linux input families."""
