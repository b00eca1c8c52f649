"""``policykg query`` in its plain forms, read without argparse.

Why: argparse, with what it loads on first use (``re``, ``gettext``,
``shutil`` for the terminal width, and a dozen first-time regular
expressions), costs ``policykg query`` about a tenth of its wall time — more
than the query it runs on a small graph. The query command is the one an
analyst runs in loops and scripts, so its plain command lines are read here.

The options are not restated here: both this reader and argparse read them
from :data:`policykg.cli.options.QUERY_OPTIONS`. This reader accepts only what
it is sure of: exact option names, each with a separate value that does not
start with ``-``, at most one positional query, and values argparse would
accept (a known ``--format``, a number for ``--timeout``). For anything else —
``--help``, ``--format=csv``, an abbreviated option, a mistake — it returns
``None`` and the caller hands the command line to argparse
(:mod:`policykg.cli.parser`), which reads it or prints its one-line error. The test suite checks that whenever this reader answers,
argparse answers the same.
"""

from __future__ import annotations

from policykg.cli.options import QUERY_OPTIONS, timeout_seconds

#: Each option's flags (``-e``, ``--expr`` …) → the option.
_BY_FLAG = {flag: option for option in QUERY_OPTIONS if option.kind != "positional" for flag in option.flags}
_POSITIONAL = next(option for option in QUERY_OPTIONS if option.kind == "positional")


class QueryArgs:
    """The options of ``policykg query``, with argparse's defaults (an ``argparse.Namespace`` look-alike)."""

    def __init__(self) -> None:
        self.command = "query"
        for option in QUERY_OPTIONS:
            setattr(self, option.dest, list(option.default) if option.kind == "repeat" else option.default)

    def __repr__(self) -> str:
        return f"QueryArgs({vars(self)!r})"


def read_query_argv(argv: list[str]) -> QueryArgs | None:
    """``argv`` (``["query", …]``, without the program name) as options, or ``None`` to let argparse decide.

    >>> read_query_argv(["query", "key_tasks", "--format", "csv"]).format
    'csv'
    >>> read_query_argv(["query", "--help"]) is None, read_query_argv(["query", "--format=csv"]) is None
    (True, True)
    """
    if not argv or argv[0] != "query":
        return None
    args = QueryArgs()
    positional = 0
    tokens = iter(argv[1:])
    for token in tokens:
        option = _BY_FLAG.get(token)
        if option is not None and option.kind == "flag":
            setattr(args, option.dest, True)
        elif option is not None:
            value = _value(option, next(tokens, None))
            if value is None:
                return None
            if option.kind == "repeat":
                getattr(args, option.dest).append(value)
            else:
                setattr(args, option.dest, value)
        elif token.startswith("-"):
            return None                      # --help, --opt=value, abbreviations, negative numbers, mistakes
        else:
            positional += 1
            if positional > 1:
                return None
            setattr(args, _POSITIONAL.dest, token)
    return args


def _value(option, text: str | None):
    """The value ``text`` gives ``option`` as argparse would read it, or None when argparse should decide."""
    if text is None or text.startswith("-"):
        return None
    if option.kind == "choice":
        return text if text in option.choices else None
    if option.kind == "seconds":
        try:
            return timeout_seconds(text)
        except ValueError:
            return None
    return text
