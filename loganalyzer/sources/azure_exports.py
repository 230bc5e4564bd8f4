"""Azure-side exports (being written)."""

PARSERS: tuple = ()
