"""The shipped knowledge base and signature packs (data, read with importlib.resources)."""
