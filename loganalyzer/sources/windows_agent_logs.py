"""(being written)"""

PARSERS: tuple = ()
