"""A SELECT's final ``ORDER BY`` done on the answer's rows in Python instead of in the engine, when that is exact.

Why: Oxigraph's ORDER BY reads each long string and IRI back from its storage at every comparison
(at 1,000 documents net_record_units spends 6.7 s CPU with it, 3.6 s without; the rows sort in Python
in about 0.1 s). :func:`split_order` finds, on the lexed text, a top-level ``ORDER BY`` that ends the
query and whose keys are all plain variables (``?v``, ``ASC(?v)``, ``DESC(?v)``); the text without it
is run, and :func:`sort_fields` sorts the rows (SPARQL TSV fields) as SPARQL 1.1 §15.1 and Oxigraph
order them: ascending puts unbound first, then the bound values; IRIs compare by their text, simple
strings by code point (Rust's UTF-8 byte order), ``xsd:integer`` and ``xsd:decimal`` by value.

It answers ``None`` (the caller runs the original text in the engine) whenever exactness is not certain:
a key column holding anything else (blank nodes, language-tagged strings, doubles, booleans, dates,
two kinds in one column) or a key not among the answer's columns. Rows that tie on every key but differ
elsewhere come in the order of their fields' text: SPARQL leaves their order open and Oxigraph sorts with
Rust's ``sort_unstable_by``, so the engine's order of them is no order at all (declining then would run a
query twice).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from operator import itemgetter

# No regular expressions and no SPARQL lexer here: ``policykg query`` imports this module on every run, and
# loading ``re`` (or compiling the query guard's lexer, ~50 ms) would cost a plain query more than it saves.
_XSD = "http://www.w3.org/2001/XMLSchema#"
_STRING_TYPE = "^^<" + _XSD + "string>"
_NUMBER_TYPES = ("^^<" + _XSD + "integer>", "^^<" + _XSD + "decimal>")
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def split_order(text: str) -> tuple[str, list[tuple[str, bool]]] | None:
    """``(text without its final ORDER BY, [(variable, descending), ...])``, or ``None`` when the text is
    not a SELECT ending in a top-level ORDER BY on plain projected variables, or when that is not certain.

    The clause must be the text's last: after ``ORDER BY`` only ``?v``, ``ASC(?v)``, ``DESC(?v)``, white
    space and comments may follow — a closing brace (a sub-select's ORDER BY), a quote (text of a string),
    LIMIT or OFFSET would be something else there, so such a text is left to the engine; a ``#`` before
    it on its line (a comment, or an IRI — not worth telling apart) as well.

    >>> split_order("SELECT ?a ?b WHERE { ?a ?p ?b } ORDER BY ?a DESC(?b)")
    ('SELECT ?a ?b WHERE { ?a ?p ?b } ', [('a', False), ('b', True)])
    >>> split_order("SELECT ?a WHERE { ?a ?p ?b } ORDER BY ?a LIMIT 3") is None
    True
    >>> split_order("SELECT ?a WHERE { ?a ?p ?b } # ORDER BY ?a") is None
    True
    """
    upper = text.upper()
    start = upper.rfind("ORDER")
    if start < 0 or upper[start + 5:].lstrip()[:2] != "BY" or (start and not upper[start - 1].isspace() and
                                                                upper[start - 1] != "}"):
        return None
    if "#" in text[text.rfind("\n", 0, start) + 1:start]:
        return None
    by = upper.index("BY", start + 5)
    keys = _order_keys(text[by + 2:])
    head = text[:start]
    if not keys or "REDUCED" in upper[:start]:
        return None
    projected = _projected(head)
    if projected is None or (projected != "*" and not {name for name, _ in keys} <= projected):
        return None                                 # a key not in the answer: only the engine can order by it
    return head, keys


def _order_keys(tail: str) -> list[tuple[str, bool]] | None:
    """The keys of ``?a DESC(?b) ASC( ?c )`` — ``None`` when anything else is there."""
    tail = "\n".join(_without_comment(line) for line in tail.split("\n"))        # a comment may end the text
    keys, rest = [], tail.replace("(", " ( ").replace(")", " ) ").split()
    i = 0
    while i < len(rest):
        word = rest[i]
        if word[:1] in "?$" and _is_name(word[1:]):
            keys.append((word[1:], False))
            i += 1
        elif word.upper() in ("ASC", "DESC") and rest[i + 1:i + 2] == ["("] and rest[i + 3:i + 4] == [")"] \
                and rest[i + 2][:1] in "?$" and _is_name(rest[i + 2][1:]):
            keys.append((rest[i + 2][1:], word.upper() == "DESC"))
            i += 4
        else:
            return None                             # LIMIT, OFFSET, VALUES, an expression: the engine orders
    return keys or None


def _is_name(name: str) -> bool:
    """A variable name of plain letters, digits and ``_`` (others are left to the engine)."""
    return bool(name) and all(c in _NAME_CHARS for c in name)


def _projected(head: str) -> set[str] | str | None:
    """The variables the query's SELECT clause projects (``?v`` and ``(... AS ?v)``), read between the
    first SELECT of its code (comments and the prologue's IRIs skipped) and the first ``{``; ``"*"`` for
    ``SELECT *`` (decided on the answer's columns); ``None`` when it is not a SELECT."""
    code = "\n".join(_without_comment(line) for line in head.split("\n"))
    words = code.replace("(", " ( ").replace(")", " ) ").replace("{", " { ").split()
    upper = [w.upper() for w in words]
    if "SELECT" not in upper:
        return None
    first = upper.index("SELECT")
    if any(w in ("CONSTRUCT", "DESCRIBE", "ASK") for w in upper[:first]):
        return None
    names, depth = set(), 0
    for n in range(first + 1, len(words)):
        word = words[n]
        if word == "{" or upper[n] in ("WHERE", "FROM"):
            break
        depth += (word == "(") - (word == ")")
        if word == "*" and depth == 0:
            return "*"
        if word[:1] in "?$" and (depth == 0 or upper[n - 1] == "AS"):
            names.add(word[1:])
    return names


def _without_comment(line: str) -> str:
    """A line without its comment: a ``#`` outside ``<…>`` and quotes starts one."""
    inside = None
    for i, c in enumerate(line):
        if inside:
            if c == inside:
                inside = None
        elif c == "<":
            inside = ">"
        elif c in "\"'":
            inside = c
        elif c == "#":
            return line[:i]
    return line


def sort_fields(rows: list[list[str]], columns: list[str], keys: list[tuple[str, bool]]) -> list | None:
    """``rows`` (SPARQL TSV fields, as split) in the order ``ORDER BY keys`` gives them, or ``None`` when
    that order is not certain to be the engine's (see the module).

    Each key column's values are ranked once (a few thousand distinct values down 100k rows), the ranks
    combined into one integer per row, and the rows sorted on it: one sort of integers, not one per key
    over strings.
    """
    try:
        where = [(columns.index(name), descending) for name, descending in keys]
    except ValueError:
        return None
    combined = None
    for index, descending in where:
        ranked = _column_ranks(list(map(itemgetter(index), rows)))
        if ranked is None:
            return None
        width, column = ranked
        if descending:
            column = [width - 1 - rank for rank in column]
        combined = column if combined is None else [before * width + rank for before, rank in zip(combined, column)]
    if combined is None:                            # no key: the order of the fields' text alone
        combined = [0] * len(rows)
    order = sorted(range(len(rows)), key=combined.__getitem__)
    if len(set(combined)) < len(rows):
        _order_ties(order, combined, rows)
    return [rows[n] for n in order]


def _order_ties(order: list, combined: list, rows: list) -> None:
    """Rows that tie on every key put in the order of their fields' text, in place: SPARQL leaves it open
    and Oxigraph's unstable sort gives no order of its own, so a stated one makes the answer the same on
    every run and engine."""
    start, count = 0, len(order)
    while start < count:
        end = start + 1
        while end < count and combined[order[end]] == combined[order[start]]:
            end += 1
        if end - start > 1:
            order[start:end] = sorted(order[start:end], key=rows.__getitem__)
        start = end


def _column_ranks(fields: list[str]) -> tuple[int, list] | None:
    """``(how many distinct keys, each field's rank among them)`` — unbound before any bound value, equal
    values (``1`` and ``1.0``) one rank — or ``None`` unless every bound field is of one kind this module
    orders exactly."""
    kinds, keys = set(), {}
    for field in set(fields):                       # each distinct field read once
        if field == "":
            keys[field] = (0,)
            continue
        found = _field_key(field)
        if found is None:
            return None
        kinds.add(found[0])
        keys[field] = (1, found[1])
    if len(kinds) > 1:
        return None
    ranks = {key: rank for rank, key in enumerate(sorted(set(keys.values())))}
    rank_of = {field: ranks[key] for field, key in keys.items()}
    return len(ranks), list(map(rank_of.__getitem__, fields))


def _field_key(field: str):
    """``(kind, key)`` of one bound TSV field, or ``None`` for a kind not ordered here."""
    first = field[0]
    if first == "<":
        return None if field.startswith("<<") else ("iri", field[1:-1])
    if first == '"':
        end = field.rindex('"')
        datatype = field[end + 1:]
        if datatype in ("", _STRING_TYPE):
            text = _unescape(field[1:end])
            return None if text is None else ("string", text)
        if datatype in _NUMBER_TYPES:
            return _number(field[1:end])
        return None                                 # a language tag, a date, any other datatype
    return _number(field)


def _number(text: str):
    """An ``xsd:integer`` or ``xsd:decimal`` value within Oxigraph's range (i64; 18 decimals), else ``None``."""
    digits = text[1:] if text[:1] in "+-" else text
    whole, dot, fraction = digits.partition(".")
    if not (whole + fraction) or not (whole + fraction).isascii() or not (whole + fraction).isdigit():
        return None
    if not dot:
        value = int(text)
        return ("number", Decimal(value)) if -2 ** 63 <= value < 2 ** 63 else None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return ("number", value) if len(fraction) <= 18 and abs(value) < Decimal(10) ** 20 else None


def _unescape(text: str) -> str | None:
    """A TSV string's text with its escapes (``\\t``, ``\\uXXXX`` …) read; ``None`` for a quote left
    unescaped or an escape not known (the engine then orders)."""
    if "\\" not in text:
        return None if '"' in text else text
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == '"':
            return None
        if c != "\\":
            out.append(c)
            i += 1
            continue
        code = text[i + 1:i + 2]
        if code in _ESCAPES:
            out.append(_ESCAPES[code])
            i += 2
        elif code in ("u", "U"):
            width = 4 if code == "u" else 8
            hexa = text[i + 2:i + 2 + width]
            if len(hexa) != width or not all(h in "0123456789abcdefABCDEF" for h in hexa):
                return None
            out.append(chr(int(hexa, 16)))
            i += 2 + width
        else:
            return None
    return "".join(out)
