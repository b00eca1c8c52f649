"""A user's query on its way to the engine, the same for ``policykg query`` and the endpoint's editor.

Why one module
--------------
An analyst writes ``SELECT … WHERE { ?t a pkg:KeyTask }`` in the editor, it
runs; the same text with ``policykg query -e`` must run too, and fail the same
way. So the steps are declared here once and both callers use them:

1. **Parameters** bound by a ``VALUES`` block (:func:`policykg.kg.query.with_values`);
2. **default prefixes**: a prefix of the graph (``pkg:``, ``skos:`` …,
   :data:`policykg.vocab.PREFIXES`) that the query uses without declaring it gets
   its ``PREFIX`` line, all on one first line; a prefix the query declares is
   never touched; one that is neither declared nor a default one is an error
   naming its line and column;
3. **the guard** (:func:`policykg.kg.sparql_guard.check_query`) on the *final*
   text — what runs is what was checked — its ``line L, column C`` given back in
   the user's lines (:func:`guard_message`);
4. **the engine's parse errors**, short: ``line L, column C: syntax error:
   expected one of …`` (Oxigraph's character classes left out), then the line
   and a caret under the column.

Both add lines, so a :class:`~policykg.kg.query.Prepared` (made by
:func:`policykg.kg.query.bound_text`, which this module does not import: the
query path imports it only for a user's text) maps line numbers back to the
text the user wrote.
"""

from __future__ import annotations

import re

from policykg.errors import QueryParseError, QueryRefused
from policykg.kg.sparql_guard import tokenize
from policykg.vocab import PREFIXES

MAX_ERROR_CHARS = 800
_EXCERPT = 100
_ENGINE_ERROR = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.S)
_GUARD_WHERE = re.compile(r"line (\d+), column (\d+)")


def undeclared_prefixes(query: str) -> list[tuple[str, int]]:
    """Prefixes the query uses in prefixed names without declaring them: ``(prefix, offset)``, first use.

    Found with the guard's lexer, so a ``pkg:`` inside a string, an IRI or a
    comment does not count; offsets are in the text as sent (Oxigraph reads
    ``\\u`` escapes inside strings and IRIs only). A query that does not lex
    gives ``[]`` (the guard reports it).
    """
    try:
        tokens = tokenize(query)
    except QueryRefused:
        return []
    declared = {tokens[i].text[:-1] for i in range(1, len(tokens))
                if tokens[i].kind == "pname" and tokens[i - 1].kind == "word"
                and tokens[i - 1].text.lower() == "prefix"}
    used: dict[str, int] = {}
    for i, token in enumerate(tokens):
        if token.kind != "pname" or (i and tokens[i - 1].kind == "word"
                                      and tokens[i - 1].text.lower() == "prefix"):
            continue
        prefix = token.text.split(":", 1)[0]
        if prefix not in declared:
            used.setdefault(prefix, token.offset)
    return list(used.items())


def with_default_prefixes(query: str) -> tuple[str, int]:
    """``query`` with a ``PREFIX`` line for each default prefix it uses and does not declare.

    All go on one first line, so the user's line ``n`` is line ``n + 1`` of the
    result; returns the text and the number of lines added (0 or 1).

    >>> with_default_prefixes("SELECT * { ?t a pkg:KeyTask }")[0].split("\\n")[0]
    'PREFIX pkg: <https://w3id.org/policykg/ontology#>'
    """
    missing = [p for p, _ in undeclared_prefixes(query) if p in PREFIXES]
    if not missing:
        return query, 0
    line = " ".join(f"PREFIX {p}: <{PREFIXES[p]}>" for p in sorted(missing))
    return f"{line}\n{query}", 1


def with_prefixes(prepared: Prepared) -> Prepared:
    """``prepared`` (parameters bound: :func:`policykg.kg.query.bound_text`) with the default prefixes it needs.

    A prefix neither declared nor a default one: :class:`QueryParseError` naming
    the user's line and column, with the line and a caret.
    """
    final, head = with_default_prefixes(prepared.text)
    prepared = prepared._replace(text=final, head=head)
    unknown = [(p, off) for p, off in undeclared_prefixes(final) if p not in PREFIXES]
    if unknown:
        prefix, offset = unknown[0]
        line, column = where_at(final, offset)
        raise parse_error(prepared, line, column,
                          f"the prefix '{prefix}:' is not declared; add 'PREFIX {prefix}: <…>' "
                          f"(declared for you: {', '.join(sorted(PREFIXES))})")
    return prepared


def where_at(text: str, offset: int) -> tuple[int, int]:
    """Line and column (1-based) of an offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def parse_error(prepared: Prepared, line: int, column: int, what: str) -> QueryParseError:
    """``line L, column C: what`` (one line) with :attr:`~QueryParseError.excerpt`: the line and a caret."""
    lines = prepared.text.split("\n")
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    mine = prepared.user_line(line)
    where = f"line {mine}, column {column}" if mine else "a line added for you (prefixes or parameters)"
    start = max(0, min(column - 1, len(source)) - _EXCERPT // 2)
    excerpt = source[start:start + _EXCERPT]
    caret = " " * max(0, min(column - 1, len(source)) - start)
    label = f"{mine or '+'} | "
    shown = ""
    if excerpt.strip():
        shown = (label + ("…" if start else "") + excerpt + ("…" if start + _EXCERPT < len(source) else "")
                 + "\n" + " " * len(label) + (" " if start else "") + caret + "^")
    message = f"{where}: {_clip(what, MAX_ERROR_CHARS - 2 * _EXCERPT - 40)}"
    return QueryParseError(message, excerpt=shown)


def error_text(err: QueryParseError) -> str:
    """The whole error as the editor shows it: the message, then the line and its caret."""
    return err.message + ("\n" + err.excerpt if err.excerpt else "")


def _expected(message: str) -> str:
    """Oxigraph's ``expected one of A, B, ['0' ..= '9'], …`` with the character classes left out."""
    message = " ".join(message.split())
    head, sep, rest = message.partition("expected one of ")
    if not sep:
        return message
    items = re.findall(r"\[[^\]]*\]|[^,\[\]]+", rest)
    words = [i.strip() for i in items if i.strip() and not i.strip().startswith("[")]
    words = [w for w in words if w != "Prefix not found"]
    more = len(words) > 12 or any(i.strip().startswith("[") for i in items)
    shown = ", ".join(words[:12]) + (", …" if more else "")
    return f"{head}expected one of {shown}" if words else f"{head}unexpected text"


def engine_error(body: str, prepared: Prepared) -> QueryParseError | None:
    """The engine's parse error (``error at L:C: …``) as a :class:`QueryParseError`; None for any other."""
    found = _ENGINE_ERROR.search(body)
    if not found:
        return None
    line, column = int(found.group(1)), int(found.group(2))
    what = found.group(3)
    if "Prefix not found" in what:
        what = "a prefix is not declared here"
    else:
        what = "syntax error: " + _expected(what)
    return parse_error(prepared, line, column, what)


def guard_message(message: str, prepared: Prepared) -> str:
    """A guard message whose ``line L, column C`` is given in the user's line numbers."""
    def fix(m: re.Match[str]) -> str:
        mine = prepared.user_line(int(m.group(1)))
        return f"line {mine}, column {m.group(2)}" if mine else "a line added for you"
    return _clip(_GUARD_WHERE.sub(fix, message), MAX_ERROR_CHARS)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
