"""Moved to :mod:`loganalyzer.sources._kit`; kept importable until every parser imports the kit."""

from .sources._kit.jsondoc import MAX_JSON_DEPTH, json_depth, load_json
from .sources._kit.text import Text, decode, looks_binary, split_lines

__all__ = ["MAX_JSON_DEPTH", "Text", "decode", "json_depth", "load_json", "looks_binary", "split_lines"]
