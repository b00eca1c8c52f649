"""``policykg query`` in its plain forms, read without argparse.

Why: argparse, with what it loads on first use (``re``, ``gettext``,
``shutil`` for the terminal width, and a dozen first-time regular
expressions), costs ``policykg query`` about a tenth of its wall time — more
than the query it runs on a small graph. The query command is the one an
analyst runs in loops and scripts, so its plain command lines are read here.

This reader accepts only what it is sure of: exact option names, each with a
separate value that does not start with ``-``, at most one positional query,
and values argparse would accept (a known ``--format``, a number for
``--timeout``). For anything else — ``--help``, ``--format=csv``, an
abbreviated option, a mistake — it returns ``None`` and the caller hands the
command line to argparse (:mod:`policykg.cli_parser`), which reads it or prints
its one-line error. The test suite checks that whenever this reader answers,
argparse answers the same.
"""

from __future__ import annotations

#: The longest ``--timeout`` any command takes, in seconds (a day). ``inf`` or ``1e308`` would be no limit at
#: all — a runaway query or a trickling server held for ever — and overflow the clocks they are added to.
MAX_TIMEOUT = 86_400.0
#: ``--format`` choices, as :mod:`policykg.cli_parser` declares them.
FORMATS = ("table", "csv", "tsv", "json", "turtle", "nt")
#: Options that take a value → the attribute they set.
_VALUED = {"-e": "expr", "--expr": "expr", "--format": "format", "--param": "param", "--graph": "graph",
           "--timeout": "timeout", "--doc": "doc"}


class QueryArgs:
    """The options of ``policykg query``, with argparse's defaults (an ``argparse.Namespace`` look-alike)."""

    def __init__(self) -> None:
        self.command = "query"
        self.query: str | None = None
        self.expr: str | None = None
        self.format = "table"
        self.excel = False
        self.param: list[str] = []
        self.graph: str | None = None
        self.timeout = 30.0
        self.doc: str | None = None

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
        if token == "--excel":
            args.excel = True
        elif token in _VALUED:
            value = next(tokens, None)
            if value is None or value.startswith("-"):
                return None
            name = _VALUED[token]
            if name == "param":
                args.param.append(value)
            elif name == "format":
                if value not in FORMATS:
                    return None
                args.format = value
            elif name == "timeout":
                try:
                    args.timeout = timeout_seconds(value)
                except ValueError:
                    return None
            else:
                setattr(args, name, value)
        elif token.startswith("-"):
            return None                      # --help, --opt=value, abbreviations, negative numbers, mistakes
        else:
            positional += 1
            if positional > 1:
                return None
            args.query = token
    return args


def timeout_seconds(text: str) -> float:
    """A ``--timeout`` value: a number of seconds above 0 and at most :data:`MAX_TIMEOUT`, else ``ValueError``.

    One function for every command's ``--timeout`` (argparse uses it as the option's
    type), so this reader and argparse accept exactly the same values.

    >>> timeout_seconds("2.5")
    2.5
    >>> timeout_seconds("inf")
    Traceback (most recent call last):
    ValueError: must be a number of seconds above 0 and at most 86400, not 'inf'
    """
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds <= MAX_TIMEOUT:              # also refuses nan
        raise ValueError(f"must be a number of seconds above 0 and at most {MAX_TIMEOUT:g}, not {text!r}")
    return seconds
