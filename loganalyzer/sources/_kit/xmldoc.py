"""Safe XML for parsers: defusedxml parsing and namespace-blind element access."""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException

__all__ = [
    "Element",
    "XmlRefused",
    "attribute",
    "child",
    "children",
    "descendants",
    "first_text",
    "local_name",
    "parse_xml",
    "text_of",
]


class XmlRefused(ValueError):
    """The document is not well-formed XML, or uses entities/DTDs we refuse to expand."""


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def parse_xml(text: str) -> Element:
    """The root element of ``text``; raises :class:`XmlRefused` with a reason to show.

    Entities and DTDs are refused (defusedxml); an encoding declaration that contradicts the
    already-decoded text is dropped rather than refused.
    """
    body = text.lstrip("\ufeff")
    try:
        try:
            return SafeElementTree.fromstring(body)
        except ValueError as error:
            if isinstance(error, DefusedXmlException):
                raise
            return SafeElementTree.fromstring(_XML_DECLARATION.sub("", body, count=1))
    except DefusedXmlException as error:
        raise XmlRefused(f"XML refused ({type(error).__name__}): entities and DTDs are not read") from None
    except (ParseError, ValueError, RecursionError) as error:
        raise XmlRefused(f"not well-formed XML: {error}") from None


def local_name(tag: Any) -> str:
    """A tag or attribute name without its namespace (``{ns}Name`` and ``ns:Name`` -> ``Name``)."""
    return str(tag).rsplit("}", 1)[-1].split(":")[-1] if isinstance(tag, str) else ""


def children(element: Element | None, name: str) -> list[Element]:
    """Direct children named ``name`` (any namespace)."""
    if element is None:
        return []
    return [found for found in element if local_name(found.tag) == name]


def child(element: Element | None, *path: str) -> Element | None:
    """The first element down ``path`` of child names, or None."""
    for name in path:
        found = children(element, name)
        element = found[0] if found else None
        if element is None:
            return None
    return element


def descendants(element: Element, name: str) -> list[Element]:
    """Every element below (and including) ``element`` named ``name``."""
    return [found for found in element.iter() if local_name(found.tag) == name]


def text_of(element: Element | None, *path: str) -> str | None:
    """The stripped text of ``element`` or of the element down ``path``; None when absent."""
    found = child(element, *path) if path else element
    if found is None or found.text is None:
        return None
    return found.text.strip()


def first_text(element: Element, name: str) -> str | None:
    """The first non-blank text of a descendant named ``name``."""
    for found in descendants(element, name):
        if found.text and found.text.strip():
            return found.text.strip()
    return None


def attribute(element: Element | None, name: str) -> str | None:
    """An attribute by name, namespace- and case-blind."""
    if element is None:
        return None
    for key, value in element.attrib.items():
        if local_name(key).lower() == name.lower():
            return value
    return None
