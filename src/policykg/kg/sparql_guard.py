r"""A SPARQL 1.1 lexer that refuses, before any engine sees it, a query that could reach the network.

The second layer
----------------
The first layer is that the engine runs where there is no network
(:mod:`policykg.kg.nonet`). This guard still refuses ``SERVICE`` so that a system
without namespaces keeps a protection, and so that a refused query gets a
clear 400 naming the line instead of an engine error.

Why a lexer and not a regex
---------------------------
An engine only calls another host for ``SERVICE``, and whether a word is that
keyword depends on where strings, IRIs and comments begin and end, which a
regex over the whole text gets wrong (a ``SERVICE`` line between two
``# '''`` comment lines looks like the inside of a ``'''`` string to a regex
that blanks strings first). So this module lexes the query the way the
grammar does, left to right, with the terminals of the SPARQL 1.1 grammar
(§19.8: IRIREF, PNAME_NS/PNAME_LN, BLANK_NODE_LABEL, VAR1/VAR2, LANGTAG, the
numbers, the four string forms, comments, WS).

Reading the text as Oxigraph 0.5 reads it
-----------------------------------------
A lexer is only as good as its agreement with the engine's parser, and
Oxigraph's is a PEG parser with no lexer of its own. Two places matter:

* **Escapes.** Oxigraph 0.5.13 decodes ``\uXXXX``/``\UXXXXXXXX`` only inside
  strings and IRIs (checked on ``pyoxigraph`` and the ``oxigraph`` server:
  ``\u0053ERVICE`` is a syntax error, and ``"a\u0022"`` is one string). So the
  raw text is lexed, with those escapes allowed inside strings and IRIs. The
  SPARQL specification (§19.2) decodes them over the whole text first, as
  rdflib does; that reading, and a second decoding, are lexed too, for the
  ``SERVICE`` rule only.
* **``<``.** After an operand inside an expression, ``<`` is *less than*
  (``FILTER(1<2)SERVICEr:x#>`` is ``1 < 2``, then ``SERVICE r:x``, then a
  comment); elsewhere it opens an IRI. Expressions only ever sit inside
  parentheses (``FILTER(``, ``BIND(``, a function's arguments, ``SELECT (``,
  ``GROUP BY``/``ORDER BY``/``HAVING``), never in a triple pattern, a
  collection, a path or a ``VALUES`` row, so the lexer keeps a stack of what
  each bracket opened. Where both readings are possible, both are followed,
  each until it meets the other again (same position, bracket stack and
  state), so the work stays close to linear; a text that can be read in too
  many ways is refused (:class:`QueryTooLarge`).

Every reading of every view is checked for ``SERVICE``; the form and size
checks run on the *primary* reading of the raw text (less-than in an
expression, IRI elsewhere), which is also what :func:`tokenize` returns.

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

from policykg.errors import FederatedQueryRefused, QueryRefused, QuerySyntaxError, QueryTooLarge, UpdateRefused

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


# ------------------------------------------------------------------ escapes

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def decode_escapes(text: str) -> str:
    r"""Apply ``\uXXXX`` / ``\UXXXXXXXX`` over the whole text, once, as SPARQL §19.2 says.

    Oxigraph 0.5 does not (it decodes them inside strings and IRIs only); the
    guard checks this reading too, for engines that follow the specification.
    An escape naming no character (a surrogate, or beyond U+10FFFF) stays as
    written.
    """

    def one(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return match.group()
        return chr(code)

    return _CODEPOINT.sub(one, text)


# ------------------------------------------------------------------ terminals

_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
         "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF")
_CHARS_U = _BASE + "_"
_CHARS = _CHARS_U + r"\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PN_PREFIX = rf"[{_BASE}](?:\.*+[{_CHARS}])*+"
_PN_LOCAL = rf"(?:[{_CHARS_U}:0-9]|{_PLX})(?:\.*+(?:[{_CHARS}:]|{_PLX}))*+"
_VARNAME = rf"[{_CHARS_U}0-9][{_CHARS_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*+"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
#: ECHAR, and UCHAR: Oxigraph 0.5 reads ``\u`` escapes inside strings (and IRIs) only.
_ESCAPE = rf"""\\[tbnrf"'\\]|{_UCHAR}"""
#: Wider than the IRIs Oxigraph accepts (it also checks the IRI's syntax), never narrower.
_IRIREF = rf"<(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*+>"

# One alternative per terminal; the first that matches at a position wins, so
# longer forms come first (long strings before short, PNAME before a bare word).
_TOKEN = re.compile(
    r"(?P<ws>[ \t\r\n]++)"
    r"|(?P<comment>\#[^\r\n]*+)"
    rf"|(?P<iri>{_IRIREF})"
    rf"|(?P<string>'''(?>(?:''?)?(?:[^'\\]|{_ESCAPE}))*+'''"
    rf"|\"\"\"(?>(?:\"\"?)?(?:[^\"\\]|{_ESCAPE}))*+\"\"\""
    rf"|'(?:[^'\\\n\r]|{_ESCAPE})*+'"
    rf"|\"(?:[^\"\\\n\r]|{_ESCAPE})*+\")"
    rf"|(?P<var>[?$]{_VARNAME})"
    r"|(?P<langtag>@[a-zA-Z]++(?:-[a-zA-Z0-9]++)*+)"
    rf"|(?P<bnode>_:[{_CHARS_U}0-9](?:\.*+[{_CHARS}])*+)"
    r"|(?P<number>(?:[0-9]++\.[0-9]*+|\.[0-9]++|[0-9]++)[eE][+-]?[0-9]++|[0-9]*+\.[0-9]++|[0-9]++)"
    rf"|(?P<pname>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)"
    rf"|(?P<word>{_PN_PREFIX})"  # dotted runs too: re-scanning a.a.a… from each dot would be quadratic
    r"|(?P<punct>\^\^|\|\||&&|!=|<=|>=|<<|>>|\{\||\|\}|[{}()\[\];,.*/|^!=<>+\-?~])"
)
_IRI_AT = re.compile(_IRIREF)
_OPEN = frozenset({"{", "(", "[", "<<", "{|"})
_CLOSE = frozenset({"}", ")", "]", ">>", "|}"})


@dataclass(frozen=True)
class Token:
    """One lexed token: its terminal (``kind``), text, and offset in the text lexed."""

    kind: str
    text: str
    offset: int


def tokenize(text: str, max_tokens: int | None = None) -> list[Token]:
    """The tokens of the query's primary reading (see the module), whitespace and comments left out.

    Raises :class:`QuerySyntaxError` at the first character no terminal
    matches (an unterminated string, a stray backslash) and
    :class:`QueryTooLarge` past ``max_tokens``. Linear: every pattern is
    possessive, and lexing stops at the first error.
    """
    reader = _Reader(text, max_tokens)
    tokens, error = reader.primary()
    if error is not None:
        raise error
    return tokens


def _syntax_error(text: str, pos: int) -> QuerySyntaxError:
    char = text[pos]
    if char in "'\"":
        what = f"unterminated or malformed string starting with {char}"
    else:
        what = f"unexpected character {char!r} (U+{ord(char):04X})"
    return QuerySyntaxError(f"{what} at {_where(text, pos)}",
                            hint="strings close on the same line unless tripled; escapes are \\t \\n \\\" …")


def _where(text: str, pos: int) -> str:
    """``line L, column C`` (1-based) of an offset in the text."""
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {column}"


def _too_large(text: str, pos: int, what: str, limit: str) -> QueryTooLarge:
    return QueryTooLarge(f"query refused before running: {what} at {_where(text, pos)} "
                         f"(limit {limit})", hint="simplify the query; the engine would run out of stack")


# ------------------------------------------------------------------ readings

# What the previous token was, as far as the next one cares: an operator, an opening bracket or
# nothing; what can end an operand (a variable, literal, closing bracket, true/false); any other bare
# word; the verb ``a``; an IRI or prefixed name (a function's name, or an operand, or a predicate);
# the word PREFIX; the word VALUES.
_OP, _TERM, _WORD, _VERB, _NAME, _PREFIX_WORD, _VALUES_WORD = range(7)
#: Bracket frames: the top level, a group or blank node ``{ [ << {|``, a VALUES data block, an
#: expression's parentheses, a collection's (or what cannot be told from one), a VALUES row.
_TOP, _GROUP, _DATA, _EXPR, _LIST, _ROW = "t", "g", "d", "e", "l", "r"
#: Clause words after which ``(`` opens an expression even after a variable (SELECT ?x (…)).
_EXPR_CLAUSES = frozenset({"select", "by", "having"})
_END_CLAUSES = frozenset({"where", "from", "limit", "offset"})
_WORD_KINDS = {"a": _VERB, "prefix": _PREFIX_WORD}


class _Frames:
    """Bracket stacks interned as integers, so that a reading's state compares and hashes in O(1)."""

    def __init__(self) -> None:
        self.kind = [_TOP]
        self.parent = [0]
        self._ids: dict[tuple[int, str], int] = {}

    def push(self, frame: int, kind: str) -> int:
        found = self._ids.get((frame, kind))
        if found is None:
            found = self._ids[frame, kind] = len(self.kind)
            self.kind.append(kind)
            self.parent.append(frame)
        return found


class _Reader:
    """Follows every reading of a text (see the module): the primary first, then the others.

    A state is ``(position, previous, values pending, expression clause, frame)``;
    a reading that reaches a state already seen stops there (what follows was
    read already), so each state is lexed once. ``found`` collects
    ``(token, declares_prefix)`` of every reading.
    """

    def __init__(self, text: str, max_tokens: int | None) -> None:
        self.text = text
        self.max_tokens = max_tokens
        self.frames = _Frames()
        self.seen: set[tuple] = set()
        self.pending: list[tuple] = []
        self.found: list[tuple[Token, bool]] = []

    def primary(self) -> tuple[list[Token], QueryRefused | None]:
        """The primary reading's tokens, and the error that ended it early (or None)."""
        tokens: list[Token] = []
        error = self._read((0, _OP, False, False, 0), tokens, self.max_tokens)
        return tokens, error

    def others(self) -> None:
        """Read every other reading into ``found``, within a budget tied to the primary's length."""
        budget = 4 * len(self.found) + 4096
        while self.pending:
            state = self.pending.pop()
            self._read(state, None, budget - len(self.found))
            if len(self.found) >= budget:
                raise _too_large(self.text, state[0], "too many ways to read '<' (less than, or an IRI)",
                                 "max_tokens")

    def _read(self, state: tuple, tokens: list[Token] | None, limit: int | None) -> QueryRefused | None:
        text, end, match = self.text, len(self.text), _TOKEN.match
        pos, prev, values, clause, frame = state
        count = 0
        while True:
            found = match(text, pos)
            while found is not None and found.lastgroup in ("ws", "comment"):
                pos = found.end()
                found = match(text, pos)
            if pos >= end:
                return None
            key = (pos, prev, values, clause, frame)
            if key in self.seen:
                return None
            self.seen.add(key)
            if found is None:
                return _syntax_error(text, pos)
            count += 1
            if limit is not None and count > limit:
                return _too_large(text, pos, f"more than {limit} tokens", "max_tokens")
            kind, value = found.lastgroup, found.group()
            if value[0] == "<" and prev in (_TERM, _NAME) and self.frames.kind[frame] == _EXPR:
                kind, value = self._fork(key)
            token = Token(kind, value, pos)  # type: ignore[arg-type]
            self.found.append((token, prev == _PREFIX_WORD and kind == "pname" and value.endswith(":")))
            if tokens is not None:
                tokens.append(token)
            prev, values, clause, frame = self._after(token, prev, values, clause, frame)
            pos += len(value)

    def _fork(self, key: tuple) -> tuple[str, str]:
        """At a ``<`` after an operand in an expression: keep less-than, queue the other readings.

        Less-than (``<=`` before ``<``) is what Oxigraph's parser takes there; the
        IRI (and ``<<``) readings are followed too, for the ``SERVICE`` check.
        """
        pos, prev, values, clause, frame = key
        operators = [op for op in ("<", "<=", "<<") if self.text.startswith(op, pos)]
        iri = _IRI_AT.match(self.text, pos)
        choices = [("punct", op) for op in operators] + ([("iri", iri.group())] if iri else [])
        chosen = ("punct", "<=" if "<=" in operators else "<")
        for other in choices:
            if other != chosen:
                token = Token(other[0], other[1], pos)
                self.found.append((token, False))
                after = self._after(token, prev, values, clause, frame)
                self.pending.append((pos + len(other[1]), *after))
        return chosen

    def _after(self, token: Token, prev: int, values: bool, clause: bool, frame: int) -> tuple:
        """``(previous, values pending, expression clause, frame)`` once ``token`` is read."""
        kind, value = token.kind, token.text
        if kind == "punct":
            if value in _OPEN:
                new = self._opened(value, prev, values, clause, frame)
                if value == "{":
                    values = clause = False
                return _OP, values, clause, self.frames.push(frame, new)
            if value in _CLOSE:
                return _TERM, values, clause and value != "}", self.frames.parent[frame]
            return _OP, values, clause, frame
        if kind != "word":
            return (_NAME if kind in ("iri", "pname") else _TERM), values, clause, frame
        lower = value.lower()
        if lower in _EXPR_CLAUSES:
            clause = True
        elif lower in _END_CLAUSES:
            clause = False
        if lower == "values":
            return _VALUES_WORD, True, False, frame
        if lower in ("true", "false"):
            return _TERM, values, clause, frame
        return _WORD_KINDS.get(lower, _WORD), values, clause, frame

    def _opened(self, value: str, prev: int, values: bool, clause: bool, frame: int) -> str:
        """The kind of frame a bracket opens (whether ``<`` may be less-than inside it)."""
        outer = self.frames.kind[frame]
        if value == "{":
            return _DATA if values else _GROUP
        if value != "(":
            return _GROUP
        if outer == _EXPR:
            return _EXPR
        if outer in (_DATA, _ROW) or prev == _VALUES_WORD:
            return _ROW
        if outer == _TOP or clause or prev in (_WORD, _NAME):
            return _EXPR  # SELECT (…), FILTER(…), BIND(…), f(…), GROUP BY (…)
        return _LIST  # a collection or a path: never an expression, so '<' is an IRI there


def _readings(text: str, max_tokens: int) -> tuple[list[Token], QueryRefused | None, list[tuple[Token, bool]]]:
    """The primary reading's tokens and error, and ``(token, declares)`` of every reading."""
    reader = _Reader(text, max_tokens)
    tokens, error = reader.primary()
    reader.others()
    return tokens, error, reader.found


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
    ...     check_query("SELECT * { FILTER(1<2)SERVICEr:x#>\n{ ?s ?p ?o } }")
    ... except QueryRefused as err:
    ...     print(err.reason, err.code)
    service PKG511
    """
    limits = limits or QueryLimits()
    tokens, error, found = _readings(text, limits.max_tokens)
    _check_service(text, found)
    for view in _decoded_views(text):  # engines that decode escapes first (SPARQL §19.2), once or twice
        _check_service(view, _readings(view, limits.max_tokens)[2])
    if error is not None:
        raise error
    _check_form(text, tokens)
    _check_shape(text, tokens, limits)


def _decoded_views(text: str) -> list[str]:
    """The text with escapes decoded once and twice, where that changes it."""
    views: list[str] = []
    current = text
    for _ in range(2):
        decoded = decode_escapes(current)
        if decoded == current:
            break
        views.append(decoded)
        current = decoded
    return views


def _check_service(text: str, found: list[tuple[Token, bool]]) -> None:
    declared = {token.text[:-1] for token, declares in found if declares}
    offenders = [token for token, declares in found if not declares and _could_be_service(token, declared)]
    if offenders:
        token = min(offenders, key=lambda t: t.offset)
        raise FederatedQueryRefused(
            f"SERVICE (a federated query) is refused at {_where(text, token.offset)}: "
            f"{_quote(token.text)}; this endpoint never contacts other hosts",
            hint="query the local graph only")


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
