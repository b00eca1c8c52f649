"""One exception hierarchy for everything policykg refuses to do, and the registry of its codes.

Every error names the file and, where it knows it, the line, and says what to
do next. The CLI prints ``str(error)`` on one line and exits with ``exit_code``.

Every class is declared here, each with a code of its own (``tests/test_errors.py``
walks them and fails on a code given twice, or on a class declared elsewhere):
a code a user quotes means one thing. The hundreds say where it comes from —
0xx the command line, 1xx–4xx reading and mapping a document, 5xx querying,
6xx writing outputs, 7xx pushing, 8xx serving, 9xx the build's own faults.
"""

from __future__ import annotations


def quoted(text: str, limit: int = 80) -> str:
    r"""Document text inside an error message: one line, at most ``limit`` characters.

    A message names the cell it could not read, but a 50 MB cell must not
    become a 50 MB error, nor a line break a two-line one.

    >>> quoted("周  建\n吴  刚"), quoted("甲" * 100, 5)
    ("'周  建⏎吴  刚'", "'甲甲甲甲甲…'")
    """
    flat = text.replace("\r", "").replace("\n", "⏎")
    return repr(flat if len(flat) <= limit else flat[:limit] + "…")


class PolicyKGError(Exception):
    """Base class: ``path:line: message (hint)``."""

    code = "PKG000"
    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 hint: str | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        hint = f" ({self.hint})" if self.hint else ""
        return " ".join(f"{where}[{self.code}] {self.message}{hint}".splitlines())   # always one line


class UsageError(PolicyKGError):
    """Options that do not go together."""

    code = "PKG001"


class StdoutError(PolicyKGError):
    """Standard output cannot take what the command writes: closed, a full disk, a reader gone."""

    code = "PKG002"


class ReaderGone(StdoutError):
    """The reader of a pipe closed it (``| head -1``): silent, exit 141 as if killed by SIGPIPE,
    like other Unix tools, so ``set -o pipefail`` scripts still see it and nobody sees a message."""

    code = "PKG003"
    exit_code = 128 + 13


class InputError(PolicyKGError):
    """The file cannot be read as a policy document (empty, binary, encoding)."""

    code = "PKG100"


class ToolMissingError(InputError):
    """Reading this file needs a program that is not installed (LibreOffice for .doc/.wps/.rtf/.odt);
    the message names the package to install."""

    code = "PKG110"


class LedgerError(InputError):
    """A filled progress ledger (台账) cannot be imported: its bad rows (``lines``, one each, with their
    row numbers), no as-of date, a bad ``--as-of``. Nothing of the file is imported."""

    code = "PKG150"

    def __init__(self, message: str, *, lines=(), **kw) -> None:
        self.lines = list(lines)
        super().__init__(message, **kw)


class StructureError(PolicyKGError):
    """The document reads, but its structure is broken (e.g. a table cut mid-row)."""

    code = "PKG200"


class LexiconError(PolicyKGError):
    """A data file under ``lexicon/`` is malformed."""

    code = "PKG300"


class ValidationError(PolicyKGError):
    """The graph does not conform to the SHACL shapes; ``report`` has the details."""

    code = "PKG400"
    exit_code = 1

    def __init__(self, message: str, *, report: str = "", **kw) -> None:
        self.report = report
        super().__init__(message, **kw)


class QueryError(PolicyKGError):
    """A stored query cannot be found, parsed, or bound; a graph or a query file cannot be read."""

    code = "PKG500"


class QueryTimeout(QueryError):
    """A query ran past its time limit (``policykg query --timeout``)."""

    code = "PKG501"


class QueryParseError(QueryError):
    """A user's query does not parse: ``line L, column C: what`` in the user's lines; ``excerpt`` is that
    line and a caret under the column (two lines the command line prints after the message)."""

    code = "PKG502"

    def __init__(self, message: str, *, excerpt: str = "", **kw) -> None:
        self.excerpt = excerpt
        super().__init__(message, **kw)


class QueryRefused(QueryError):
    """The query is refused before any engine sees it (:mod:`policykg.kg.sparql_guard`); ``reason`` says
    which rule."""

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
    """A size limit of :class:`~policykg.kg.sparql_guard.QueryLimits` is exceeded."""

    code = "PKG513"
    reason = "limit"


class QuerySyntaxError(QueryRefused):
    """The text cannot be split into SPARQL tokens (unterminated string, stray character)."""

    code = "PKG514"
    reason = "syntax"


class TooManyRows(PolicyKGError):
    """An answer has more rows than a spreadsheet holds."""

    code = "PKG520"


class TooManyColumns(TooManyRows):
    """A table has more columns than a spreadsheet holds (a :class:`TooManyRows`: the same answer, a sheet's
    limit, for whoever catches that)."""

    code = "PKG521"


class OutputError(PolicyKGError):
    """The output folder cannot be written (read-only, a file in its place, …)."""

    code = "PKG600"


class PushError(PolicyKGError):
    """The corpus could not be sent (no corpus, server unreachable, an error status)."""

    code = "PKG700"


class ServeError(PolicyKGError):
    """The endpoint cannot be started or kept running; the message says what to do."""

    code = "PKG800"


class InternalError(PolicyKGError):
    """The build met a fault of its own on one document (a bug): reported with that document."""

    code = "PKG900"

    def __init__(self, message: str, **kw) -> None:
        super().__init__(f"internal error on this document: {message}", hint="please report it", **kw)


class WorkerDied(PolicyKGError):
    """A worker process died mid-build (killed, out of memory): the corpus cannot be complete."""

    code = "PKG901"
