"""One exception hierarchy for everything policykg refuses to do.

Every error names the file and, where it knows it, the line, and says what to
do next. The CLI prints ``str(error)`` on one line and exits with ``exit_code``.
"""

from __future__ import annotations


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
        return f"{where}[{self.code}] {self.message}{hint}"


class InputError(PolicyKGError):
    """The file cannot be read as a policy document (empty, binary, encoding)."""

    code = "PKG100"


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
