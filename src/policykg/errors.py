"""One exception hierarchy for everything policykg refuses to do.

Every error names the file and, where it knows it, the line, and says what to
do next. The CLI prints ``str(error)`` on one line and exits with ``exit_code``.
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


class InputError(PolicyKGError):
    """The file cannot be read as a policy document (empty, binary, encoding)."""

    code = "PKG100"


class ToolMissingError(InputError):
    """Reading this file needs a program that is not installed (LibreOffice for .doc/.wps/.rtf/.odt);
    the message names the package to install."""

    code = "PKG110"


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
    """A stored query cannot be found, parsed, or bound."""

    code = "PKG500"
