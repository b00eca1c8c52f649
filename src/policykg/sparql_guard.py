r"""A SPARQL 1.1 lexer that refuses, before any engine sees it, a query that could reach the network.

Why a lexer and not a regex
---------------------------
An engine only calls another host for ``SERVICE``, and whether a word is that
keyword depends on where strings, IRIs and comments begin and end, which a
regex over the whole text gets wrong (a ``SERVICE`` line between two
``# '''`` comment lines looks like the inside of a ``'''`` string to a regex
that blanks strings first). So this module lexes the query the way the
grammar does, left to right, with the terminals of the SPARQL 1.1 grammar
(§19.8: IRIREF, PNAME_NS/PNAME_LN, BLANK_NODE_LABEL, VAR1/VAR2, LANGTAG, the
numbers, the four string forms with ECHAR escapes, comments, WS) after
decoding ``\uXXXX``/``\UXXXXXXXX`` over the whole text as §19.2 says (Oxigraph
and rdflib do the same, once).

Why "starts with" and not "equals"
----------------------------------
Oxigraph matches keywords by their length, case-insensitively, with no word
boundary: ``SERVICEr:x`` (a prefixed name with prefix ``SERVICEr`` to a
lexer) is read as ``SERVICE r:x``, and so are ``SERVICE:x``,
``SERVICESILENT<…>``, ``SERVICE中:x``, even ``trueSERVICE<…>`` after an object
(``true`` then ``SERVICE``). Its PN_LOCAL also stops after one run of dots
(``ex:a.b.SERVICE<…>`` is ``ex:a.b`` ``.`` ``SERVICE …``). Hence the rule,
on the lexer's tokens (strings, IRIs and comments are never looked into):

* a bare word containing ``service`` (any case) is refused;
* a prefixed name whose prefix contains ``service`` is refused unless that
  prefix is declared by a ``PREFIX`` of the same query *and* what follows the
  ``service`` inside it is not itself a declared prefix (``PREFIX service:``
  plus ``PREFIX :`` would make ``service:x`` readable as ``SERVICE :x``);
* ``.service`` inside a local name or blank node label is refused.

``LOAD`` and the other update keywords are refused as words; a query must be
a SELECT, CONSTRUCT, DESCRIBE or ASK. Errors are :class:`QueryRefused` (a
``QueryError``), one line, naming line and column.

Size limits
-----------
Oxigraph parses and evaluates recursively: groups nested 1,000 deep,
parentheses 10,000 deep, 5,000 nested sub-queries, a 50,000-step path or a
100,000-term sum overflow its stack and kill the process. :class:`QueryLimits`
bounds nesting depth, token count, path length and operator count per
pattern so that such a query gets a clear refusal naming the limit instead.
Every check is one pass over the tokens, and the lexer's patterns are
possessive or atomic, so the whole check is linear in the query's length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policykg.errors import QueryError

__all__ = ["QueryLimits", "QueryRefused", "check_query", "decode_escapes", "tokenize", "Token"]


@dataclass(frozen=True)
class QueryLimits:
    """Largest query shapes accepted; each bound is far above any query of the library.

    ``max_depth``: open ``{`` ``(`` ``[`` ``<<`` at once; ``max_tokens``: tokens in
    the query; ``max_path_steps``: ``/``, ``|`` and ``^`` in one triple pattern;
    ``max_expression_terms``: operators (``+ - * / && || = != < > <= >= !``) in
    the whole query; ``max_group_items``: groups, triples (``.`` ``;`` ``,``),
    collection items and ``UNION``/``OPTIONAL``/``MINUS``/``FILTER``/``BIND``/
    ``GRAPH``/``VALUES``/``EXISTS`` in the whole query; ``max_collection_items``:
    items of RDF collections ``( … )`` in the whole query (each becomes two triples
    and a level of recursion in Oxigraph's parser).
    """

    max_depth: int = 64
    max_tokens: int = 20_000
    max_path_steps: int = 256
    max_expression_terms: int = 1_000
    max_group_items: int = 500
    max_collection_items: int = 256


class QueryRefused(QueryError):
    """The query is refused before any engine sees it; ``reason`` says which rule."""

    code = "PKG510"
    reason = "refused"


class FederatedQueryRefused(QueryRefused):
    """``SERVICE`` would make the engine call another host."""

    code = "PKG511"
    reason = "service"


class UpdateRefused(QueryRefused):
    """An update (``LOAD``, ``INSERT`` …) where only queries are allowed."""

    code = "PKG512"
    reason = "update"


class QueryTooLarge(QueryRefused):
    """A size limit of :class:`QueryLimits` is exceeded."""

    code = "PKG513"
    reason = "limit"


class QuerySyntaxError(QueryRefused):
    """The text cannot be split into SPARQL tokens (unterminated string, stray character)."""

    code = "PKG514"
    reason = "syntax"


# ------------------------------------------------------------------ escapes

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def decode_escapes(text: str) -> str:
    r"""Apply ``\uXXXX`` / ``\UXXXXXXXX`` over the whole text, once, as SPARQL §19.2 does.

    An escape naming no character (a surrogate, or beyond U+10FFFF) stays as
    written, like Oxigraph leaves it.
    """

    def one(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return match.group()
        return chr(code)

    return _CODEPOINT.sub(one, text)


# ------------------------------------------------------------------ lexer

_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
         "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF")
_CHARS_U = _BASE + "_"
_CHARS = _CHARS_U + r"\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PN_PREFIX = rf"[{_BASE}](?:\.*+[{_CHARS}])*+"
_PN_LOCAL = rf"(?:[{_CHARS_U}:0-9]|{_PLX})(?:\.*+(?:[{_CHARS}:]|{_PLX}))*+"
_VARNAME = rf"[{_CHARS_U}0-9][{_CHARS_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*+"
_ECHAR = r"""\\[tbnrf"'\\]"""

# One alternative per terminal; the first that matches at a position wins, so
# longer forms come first (long strings before short, PNAME before a bare word).
_TOKEN = re.compile(
    r"(?P<ws>[ \t\r\n]++)"
    r"|(?P<comment>\#[^\r\n]*+)"
    r"|(?P<iri><[^<>\"{}|^`\\\x00-\x20]*+>)"
    rf"|(?P<string>'''(?>(?:''?)?(?:[^'\\]|{_ECHAR}))*+'''"
    rf"|\"\"\"(?>(?:\"\"?)?(?:[^\"\\]|{_ECHAR}))*+\"\"\""
    rf"|'(?:[^'\\\n\r]|{_ECHAR})*+'"
    rf"|\"(?:[^\"\\\n\r]|{_ECHAR})*+\")"
    rf"|(?P<var>[?$]{_VARNAME})"
    r"|(?P<langtag>@[a-zA-Z]++(?:-[a-zA-Z0-9]++)*+)"
    rf"|(?P<bnode>_:[{_CHARS_U}0-9](?:\.*+[{_CHARS}])*+)"
    r"|(?P<number>(?:[0-9]++\.[0-9]*+|\.[0-9]++|[0-9]++)[eE][+-]?[0-9]++|[0-9]*+\.[0-9]++|[0-9]++)"
    rf"|(?P<pname>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)"
    rf"|(?P<word>{_PN_PREFIX})"  # dotted runs too: re-scanning a.a.a… from each dot would be quadratic
    r"|(?P<punct>\^\^|\|\||&&|!=|<=|>=|<<|>>|\{\||\|\}|[{}()\[\];,.*/|^!=<>+\-?~])"
)
_OPEN = frozenset({"{", "(", "[", "<<", "{|"})
_CLOSE = frozenset({"}", ")", "]", ">>", "|}"})


@dataclass(frozen=True)
class Token:
    """One lexed token: its terminal (``kind``), text, and offset in the decoded query."""

    kind: str
    text: str
    offset: int


def tokenize(text: str, max_tokens: int | None = None):
    """Yield the tokens of an already decoded query, whitespace and comments left out.

    Raises :class:`QuerySyntaxError` at the first character no terminal
    matches (an unterminated string, a stray backslash) and
    :class:`QueryTooLarge` past ``max_tokens``. Linear: every pattern above
    is possessive, and lexing stops at the first error.
    """
    pos, count, end = 0, 0, len(text)
    match = _TOKEN.match
    while pos < end:
        found = match(text, pos)
        if found is None:
            _syntax_error(text, pos)
        kind = found.lastgroup
        if kind not in ("ws", "comment"):
            count += 1
            if max_tokens is not None and count > max_tokens:
                raise _too_large(text, pos, f"more than {max_tokens} tokens", "max_tokens")
            yield Token(kind, found.group(), pos)  # type: ignore[arg-type]
        pos = found.end()


def _syntax_error(text: str, pos: int):
    char = text[pos]
    if char in "'\"":
        what = f"unterminated or malformed string starting with {char}"
    else:
        what = f"unexpected character {char!r} (U+{ord(char):04X})"
    raise QuerySyntaxError(f"{what} at {_where(text, pos)}",
                           hint="strings close on the same line unless tripled; escapes are \\t \\n \\\" …")


def _where(text: str, pos: int) -> str:
    """``line L, column C`` (1-based) of an offset in the decoded text."""
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {column}"


def _too_large(text: str, pos: int, what: str, limit: str) -> QueryTooLarge:
    return QueryTooLarge(f"query refused before running: {what} at {_where(text, pos)} "
                         f"(limit {limit})", hint="simplify the query; the engine would run out of stack")


# ------------------------------------------------------------------ rules

_QUERY_FORMS = ("select", "construct", "describe", "ask")
_PROLOGUE = frozenset({"base", "prefix", "version"})
_UPDATE_WORDS = ("load", "insert", "delete", "clear", "drop", "create", "add", "move", "copy", "with")
_EXPRESSION_OPS = frozenset({"+", "-", "*", "/", "||", "&&", "=", "!=", "<", ">", "<=", ">=", "!"})
_PATH_OPS = frozenset({"/", "|", "^"})
_TRIPLE_ENDS = frozenset({"{", "}", ".", ";", ","})
_PATTERN_WORDS = frozenset({"union", "optional", "minus", "filter", "bind", "graph", "values", "exists"})
_TERM_KINDS = frozenset({"var", "iri", "pname", "string", "number", "bnode"})


def check_query(text: str, limits: QueryLimits | None = None) -> None:
    r"""Refuse ``text`` unless it is a read-only query that cannot reach the network.

    Raises a :class:`QueryRefused` (a ``QueryError``) with a one-line message
    naming line and column: :class:`FederatedQueryRefused` for ``SERVICE``,
    :class:`UpdateRefused` for an update, :class:`QueryTooLarge` for a size
    limit, :class:`QuerySyntaxError` for text that is not SPARQL tokens.
    The engine still reports every other syntax error itself.

    >>> check_query("PREFIX ex: <http://e/> SELECT * WHERE { ?s ex:p 'SERVICE' } # SERVICE")
    >>> try:
    ...     check_query("SELECT * { SERVICEr:x { ?s ?p ?o } }")
    ... except QueryRefused as err:
    ...     print(err.reason, err.code)
    service PKG511
    """
    limits = limits or QueryLimits()
    decoded = decode_escapes(text)
    again = decode_escapes(decoded)
    if again != decoded:  # an engine decoding twice would see other words: refuse SERVICE there too
        _check_service(again, _tokens_or_none(again, limits.max_tokens))
    tokens = list(tokenize(decoded, limits.max_tokens))
    _check_service(decoded, tokens)
    _check_form(decoded, tokens)
    _check_shape(decoded, tokens, limits)


def _tokens_or_none(text: str, max_tokens: int) -> list[Token]:
    """Tokens of a second-decoding view, as far as they lex (the first view decides syntax)."""
    tokens: list[Token] = []
    try:
        tokens.extend(tokenize(text, max_tokens))
    except QueryRefused:
        pass  # keep the tokens before the error: the check is only ever stricter
    return tokens


def _check_service(text: str, tokens: list[Token]) -> None:
    declared = _declared_prefixes(tokens)
    for index, token in enumerate(tokens):
        if _is_declaration(tokens, index):
            continue
        if _could_be_service(token, declared):
            raise FederatedQueryRefused(
                f"SERVICE (a federated query) is refused at {_where(text, token.offset)}: "
                f"{_quote(token.text)}; this endpoint never contacts other hosts",
                hint="query the local graph only")


def _declared_prefixes(tokens: list[Token]) -> set[str]:
    """Prefixes named by ``PREFIX p: <…>`` anywhere in the query (case-sensitive, as in SPARQL)."""
    return {tokens[i].text[:-1] for i in range(1, len(tokens)) if _is_declaration(tokens, i)}


def _is_declaration(tokens: list[Token], index: int) -> bool:
    """True for the ``p:`` right after a ``PREFIX`` word (a name being declared, never a keyword)."""
    token = tokens[index]
    return (index > 0 and token.kind == "pname" and token.text.endswith(":")
            and tokens[index - 1].kind == "word" and tokens[index - 1].text.lower() == "prefix")


def _could_be_service(token: Token, declared: set[str]) -> bool:
    """Whether an engine matching keywords without word boundaries could read SERVICE here."""
    lower = token.text.lower()
    if token.kind == "word":
        return "service" in lower
    if token.kind == "bnode":
        return ".service" in lower
    if token.kind != "pname":
        return False
    prefix, local = token.text.split(":", 1)
    if ".service" in local.lower():
        return True
    if "service" not in prefix.lower():
        return False
    return prefix not in declared or _hidden_prefix(prefix, declared)


def _hidden_prefix(prefix: str, declared: set[str]) -> bool:
    """Whether ``…SERVICE[SILENT]rest`` has a declared ``rest``: then it reads as SERVICE rest:…"""
    lower = prefix.lower()
    start = lower.find("service")
    while start >= 0:
        rest = prefix[start + len("service"):]
        if rest in declared or (rest.lower().startswith("silent") and rest[len("silent"):] in declared):
            return True
        start = lower.find("service", start + 1)
    return False


def _check_form(text: str, tokens: list[Token]) -> None:
    """A query form must come first after the prologue; update keywords are refused anywhere."""
    for token in tokens:
        if token.kind == "word" and token.text.lower().startswith(_UPDATE_WORDS):
            raise UpdateRefused(f"updates are refused (read-only): {_quote(token.text)} at "
                                f"{_where(text, token.offset)}", hint="send a SELECT, CONSTRUCT, DESCRIBE or ASK")
    for token in tokens:
        if token.kind != "word" or token.text.lower() in _PROLOGUE:
            continue
        if not token.text.lower().startswith(_QUERY_FORMS):
            raise QuerySyntaxError(f"expected SELECT, CONSTRUCT, DESCRIBE or ASK, found "
                                   f"{_quote(token.text)} at {_where(text, token.offset)}",
                                   hint="only queries are answered here")
        return


def _check_shape(text: str, tokens: list[Token], limits: QueryLimits) -> None:
    """Nesting depth, path steps, operators and pattern items, in one pass over the tokens."""
    shape = _Shape(text, limits)
    for token in tokens:
        shape.feed(token)


class _Shape:
    """Running counts of what makes Oxigraph recurse; raises QueryTooLarge at the first excess.

    Measured on oxigraph 0.5.13 (each one a stack overflow that kills the engine): brackets
    10,000 deep, 5,000 nested sub-queries, a 6,666-step path, a 10,000-term sum, 4,000
    ``MINUS``, an object list of 9,000 terms, a collection of 2,000 items, 5,000 ``!``. The bounds are
    global where nesting could add chains up (operators, pattern items) and per triple
    pattern for paths (patterns of a group are joined flat).
    """

    def __init__(self, text: str, limits: QueryLimits) -> None:
        self.text, self.limits = text, limits
        self.frames = [["", False]]  # [opening bracket, last direct token was a term]
        self.path_steps = self.operators = self.items = self.collection = 0

    def feed(self, token: Token) -> None:
        value = token.text if token.kind == "punct" else ""
        frame = self.frames[-1]
        if value in _CLOSE:
            if len(self.frames) > 1:
                self.frames.pop()
            self.frames[-1][1] = True
        else:
            is_term = token.kind in _TERM_KINDS or value in _OPEN or token.text in ("true", "false")
            self.collection += is_term and frame[0] == "(" and frame[1]  # a collection item
            frame[1] = is_term
        if value in _OPEN:
            self.frames.append([value, False])
            self.items += value == "{"
            self._limit(len(self.frames) - 1, self.limits.max_depth, token, "max_depth",
                        f"brackets nested more than {self.limits.max_depth} deep")
        self._count(token, value, frame[0])

    def _count(self, token: Token, value: str, frame: str) -> None:
        if value in _TRIPLE_ENDS:
            self.items += frame in ("{", "[") and value in ".;,"
            self.path_steps = 0
        self.path_steps += value in _PATH_OPS
        self.operators += value in _EXPRESSION_OPS
        self.items += token.kind == "word" and token.text.lower() in _PATTERN_WORDS
        limits = self.limits
        self._limit(self.path_steps, limits.max_path_steps, token, "max_path_steps",
                    f"a property path (or division chain) of more than {limits.max_path_steps} steps")
        self._limit(self.operators, limits.max_expression_terms, token, "max_expression_terms",
                    f"more than {limits.max_expression_terms} operators")
        self._limit(self.collection, limits.max_collection_items, token, "max_collection_items",
                    f"more than {limits.max_collection_items} collection items")
        self._limit(self.items, limits.max_group_items, token, "max_group_items",
                    f"more than {limits.max_group_items} graph patterns or triples")

    def _limit(self, value: int, bound: int, token: Token, name: str, what: str) -> None:
        if value > bound:
            raise _too_large(self.text, token.offset, what, name)


def _quote(text: str, width: int = 40) -> str:
    """A token for an error message: repr-quoted (no raw control characters), cut to ``width``."""
    return repr(text if len(text) <= width else text[:width] + "…")
