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

import re
from decimal import Decimal, InvalidOperation

from policykg.kg.sparql_guard import tokenize

_OPEN = frozenset({"{", "(", "[", "<<", "{|"})
_CLOSE = frozenset({"}", ")", "]", ">>", "|}"})
_FORMS = frozenset({"select", "construct", "describe", "ask"})
_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+)")
_STRING_FIELD = re.compile(r'"((?:[^"\\]|\\.)*)"(?:\^\^<http://www\.w3\.org/2001/XMLSchema#string>)?', re.S)
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_UNICODE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})|\\(.)", re.S)


def split_order(text: str) -> tuple[str, list[tuple[str, bool]]] | None:
    """``(text without its final ORDER BY, [(variable, descending), ...])``, or ``None`` when the text is
    not a SELECT ending in a top-level ORDER BY on plain variables (or does not lex).

    >>> split_order("SELECT ?a ?b WHERE { ?a ?p ?b } ORDER BY ?a DESC(?b)")
    ('SELECT ?a ?b WHERE { ?a ?p ?b } ', [('a', False), ('b', True)])
    >>> split_order("SELECT ?a WHERE { ?a ?p ?b } ORDER BY ?a LIMIT 3") is None
    True
    """
    try:
        tokens = tokenize(text)
    except Exception:                               # anything the lexer refuses: the engine decides
        return None
    depth, form, start = 0, None, None
    for i, token in enumerate(tokens):
        word = token.text.lower() if token.kind == "word" else None
        if token.kind == "punct" and token.text in _OPEN:
            depth += 1
        elif token.kind == "punct" and token.text in _CLOSE:
            depth -= 1
        elif word == "reduced":
            return None
        elif depth == 0 and word in _FORMS and form is None:
            form, projected = word, _projected(tokens, i + 1)
        elif depth == 0 and word == "order" and i + 1 < len(tokens) and tokens[i + 1].text.lower() == "by":
            start = i
    if form != "select" or start is None:
        return None
    keys, i = [], start + 2
    while i < len(tokens):
        token = tokens[i]
        if token.kind == "var":
            keys.append((token.text[1:], False))
            i += 1
            continue
        words = [t.text.lower() if t.kind == "word" else t.text for t in tokens[i:i + 4]]
        if len(words) == 4 and words[0] in ("asc", "desc") and words[1] == "(" and tokens[i + 2].kind == "var" \
                and words[3] == ")":
            keys.append((tokens[i + 2].text[1:], words[0] == "desc"))
            i += 4
            continue
        return None                                 # LIMIT, OFFSET, VALUES, an expression: the engine orders
    if not keys or (projected is not None and not {name for name, _ in keys} <= projected):
        return None                                 # a key not in the answer: only the engine can order by it
    last = tokens[-1]
    return text[:tokens[start].offset] + text[last.offset + len(last.text):], keys


def _projected(tokens, i: int) -> set[str] | None:
    """The variables a SELECT clause starting at token ``i`` projects (``?v`` and ``(... AS ?v)``);
    ``None`` for ``SELECT *``."""
    names, depth = set(), 0
    for n in range(i, len(tokens)):
        token = tokens[n]
        if token.kind == "punct" and token.text in _OPEN:
            if depth == 0 and token.text == "{":
                break
            depth += 1
        elif token.kind == "punct" and token.text in _CLOSE:
            depth -= 1
        elif depth == 0 and token.kind == "punct" and token.text == "*":
            return None
        elif depth == 0 and token.kind == "word" and token.text.lower() in ("where", "from"):
            break
        elif token.kind == "var" and (depth == 0 or tokens[n - 1].text.lower() == "as"):
            names.add(token.text[1:])
    return names


def sort_fields(rows: list[list[str]], columns: list[str], keys: list[tuple[str, bool]]) -> list | None:
    """``rows`` (SPARQL TSV fields, as split) in the order ``ORDER BY keys`` gives them, or ``None`` when
    that order is not certain to be the engine's (see the module)."""
    try:
        where = [(columns.index(name), descending) for name, descending in keys]
    except ValueError:
        return None
    keyed = {}
    for index, _ in where:
        if index not in keyed:
            try:
                column = _column_keys([row[index] for row in rows])
            except KeyError:                        # an escape _unescape does not know
                column = None
            if column is None:
                return None
            keyed[index] = column
    # rows that tie on every key keep the order of their fields' text: SPARQL leaves it open and Oxigraph's
    # unstable sort gives no order of its own, so a stated one makes the answer the same on every run and engine
    order = sorted(range(len(rows)), key=rows.__getitem__)
    for index, descending in reversed(where):       # stable sorts, last key first
        column = keyed[index]
        order.sort(key=column.__getitem__, reverse=descending)
    return [rows[n] for n in order]


def _column_keys(fields: list[str]) -> list | None:
    """One sort key per field (unbound before any bound value), or ``None`` unless every bound field is
    of one kind this module orders exactly."""
    kinds, seen, keys = set(), {"": (0,)}, []
    for field in fields:
        try:
            keys.append(seen[field])
        except KeyError:                            # each distinct field read once
            found = _field_key(field)
            if found is None:
                return None
            kinds.add(found[0])
            key = seen[field] = (1, found[1])
            keys.append(key)
    return keys if len(kinds) <= 1 else None


def _field_key(field: str):
    """``(kind, key)`` of one bound TSV field, or ``None`` for a kind not ordered here."""
    first = field[0]
    if first == "<":
        return None if field.startswith("<<") else ("iri", field[1:-1])
    if first == '"':
        match = _STRING_FIELD.fullmatch(field)
        if match is not None:
            return "string", _unescape(match.group(1))
        end = field.rindex('"')
        datatype = field[end + 1:]
        if datatype in ("^^<" + _XSD + "integer>", "^^<" + _XSD + "decimal>"):
            return _number(field[1:end])
        return None                                 # a language tag, a date, any other datatype
    return _number(field)


def _number(text: str):
    """An ``xsd:integer`` or ``xsd:decimal`` value within Oxigraph's range (i64; 18 decimals), else ``None``."""
    if _INTEGER.fullmatch(text):
        value = int(text)
        return ("number", Decimal(value)) if -2 ** 63 <= value < 2 ** 63 else None
    if _DECIMAL.fullmatch(text):
        try:
            value = Decimal(text)
        except InvalidOperation:
            return None
        fraction = text.partition(".")[2]
        return ("number", value) if len(fraction) <= 18 and abs(value) < Decimal(10) ** 20 else None
    return None


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text

    def one(match: re.Match) -> str:
        if match.group(3) is not None:
            return _ESCAPES[match.group(3)]
        return chr(int(match.group(1) or match.group(2), 16))

    return _UNICODE.sub(one, text)
