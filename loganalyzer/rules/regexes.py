"""Signature regexes: the subset both RE2 and ``regex`` accept, and literals for the prefilter.

The matcher runs regexes with RE2 through ``pyarrow.compute`` and named groups with ``regex``,
so the loader refuses lookaround, backreferences, atomic groups, possessive quantifiers and the
escapes RE2 lacks (:func:`check_regex`). :func:`derive_literals` finds the substrings every match
must contain, which the one-pass prefilter looks for.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc
import regex

_ALLOWED_ESCAPES = set("dDsSwWbBAntrfv") | {"x", "p", "P"}
_CLASS_ESCAPES = set("dDsSwWntrfv") | {"x", "p", "P"}


def _scan_constructs(pattern: str) -> str | None:
    """Refuse constructs outside the RE2/regex common subset; None when the text is fine."""
    i, n = 0, len(pattern)
    in_class = False
    after_quantifier = False
    while i < n:
        char = pattern[i]
        if char == "\\":
            if i + 1 >= n:
                return "pattern ends with a lone backslash"
            nxt = pattern[i + 1]
            allowed = _CLASS_ESCAPES if in_class else _ALLOWED_ESCAPES
            if nxt.isdigit():
                return f"backreference or octal escape \\{nxt} is not supported (RE2 has no backreferences)"
            if nxt.isalpha() and nxt not in allowed:
                if nxt in "Zz":
                    return f"\\{nxt} is not supported by both engines; use $ (without (?m)) for the end of the text"
                if nxt in "gk":
                    return f"backreference \\{nxt} is not supported (RE2 has no backreferences)"
                return f"escape \\{nxt} is not supported by both RE2 and regex"
            i += 2
            after_quantifier = False
            continue
        if in_class:
            if char == "[" and pattern.startswith("[:", i):
                return "POSIX classes like [[:alpha:]] differ between engines; write the class out"
            if char == "]":
                in_class = False
            i += 1
            continue
        if char == "[":
            in_class = True
            i += 1
            if i < n and pattern[i] == "^":
                i += 1
            if i < n and pattern[i] == "]":
                i += 1
            after_quantifier = False
            continue
        if char == "(" and pattern.startswith("(?", i):
            rest = pattern[i + 2 : i + 5]
            if rest.startswith(("=", "!", "<=", "<!")):
                return "lookaround (?=, (?!, (?<=, (?<! is not supported by RE2"
            if rest.startswith(">"):
                return "atomic groups (?>...) are not supported by RE2"
            if rest.startswith("P="):
                return "named backreference (?P=name) is not supported (RE2 has no backreferences)"
            if rest.startswith(("P>", "R", "&")) or (rest[:1].isdigit()):
                return "recursion is not supported by RE2"
            if rest.startswith("("):
                return "conditional groups (?(...) are not supported by RE2"
            if rest.startswith("#"):
                return "inline comments (?#...) are not supported by RE2"
            if rest.startswith("|"):
                return "branch reset groups (?|...) are not supported by RE2"
            if rest.startswith("<"):
                return "use (?P<name>...) for named groups"
            if rest.startswith("P<") or rest.startswith(":"):
                i += 2
                after_quantifier = False
                continue
            flags = re.match(r"[a-zA-Z-]*", pattern[i + 2 :]).group(0)
            bad = set(flags) - set("ims")
            if bad:
                return f"inline flag(s) {''.join(sorted(bad))} not supported by both engines (use only i, m, s)"
            i += 2 + len(flags)
            after_quantifier = False
            continue
        if char in "*+?":
            if after_quantifier and char == "+":
                return "possessive quantifiers (*+, ++, ?+, {n}+) are not supported by RE2"
            if after_quantifier and char == "?":
                after_quantifier = False  # lazy marker
                i += 1
                continue
            after_quantifier = True
            i += 1
            continue
        if char == "{":
            found = re.match(r"\{(\d*)(,?)(\d*)\}", pattern[i:])
            if found:
                low, comma, high = found.groups()
                if not low and comma:
                    return "{,n} means different things in RE2 and regex; write {0,n}"
                i += len(found.group(0))
                after_quantifier = True
                continue
        after_quantifier = False
        i += 1
    return None


def check_regex(pattern: str) -> str | None:
    """Why ``pattern`` is not usable in a signature, or None when both RE2 and regex take it."""
    if not isinstance(pattern, str) or not pattern:
        return "regex must be a non-empty string"
    reason = _scan_constructs(pattern)
    if reason:
        return reason
    try:
        regex.compile(pattern, regex.V0)
    except regex.error as error:
        return f"bad regex: {error}"
    try:
        pc.match_substring_regex(pa.array([""], pa.string()), pattern)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        return f"RE2 refuses the regex: {error}"
    return None


def _sre_parse(pattern: str):
    try:
        from re import _parser as parser  # Python 3.11+
    except ImportError:  # pragma: no cover - older Pythons
        import sre_parse as parser  # type: ignore[no-redef]
    return parser.parse(pattern)


def derive_literals(pattern: str, min_length: int = 3) -> tuple[tuple[str, ...], bool]:
    """Literal substrings one of which every match of ``pattern`` contains, and ignore-case.

    Returns ``((), False)`` when no literal of at least ``min_length`` characters is required
    (then the matcher runs the regex on every row of the rule's sources).
    """
    try:
        parsed = _sre_parse(pattern)
    except Exception:  # noqa: BLE001 - patterns re cannot parse (\p{..}) simply get no prefilter
        return (), False
    from re import _constants as c

    ignore_case = bool(parsed.state.flags & re.IGNORECASE) or "(?i" in pattern

    def best(options: list[frozenset[str]]) -> frozenset[str] | None:
        good = [o for o in options if o and min(len(s) for s in o) >= min_length]
        if not good:
            return None
        return max(good, key=lambda o: (min(len(s) for s in o), -len(o)))

    def required(sequence) -> list[frozenset[str]]:
        options: list[frozenset[str]] = []
        run: list[str] = []

        def flush() -> None:
            if run:
                options.append(frozenset(["".join(run)]))
                run.clear()

        for op, argument in sequence:
            if op is c.LITERAL:
                run.append(chr(argument))
                continue
            flush()
            if op is c.SUBPATTERN:
                options.extend(required(argument[-1]))
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and argument[0] >= 1:
                options.extend(required(argument[2]))
            elif op is c.BRANCH:
                alternatives = [best(required(alternative)) for alternative in argument[1]]
                if all(alternatives):
                    options.append(frozenset().union(*alternatives))
        flush()
        return options

    chosen = best(required(parsed.data if hasattr(parsed, "data") else list(parsed)))
    if not chosen:
        return (), False
    return tuple(sorted(chosen)), ignore_case

