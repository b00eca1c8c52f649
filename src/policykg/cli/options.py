"""``policykg query``'s options, declared once, as data — and the ``--timeout`` every command takes.

Two readers use the table. :mod:`policykg.cli.argv` reads the plain query
command lines without argparse (argparse costs the command a tenth of its
time); :mod:`policykg.cli.parser` builds the argparse sub-command from it, for
``--help`` and for every line the plain reader leaves. So an option, a format or
a default is written here once, and ``tests/test_query_argv.py`` checks that
the two readers agree on whatever the plain reader accepts.

The formats are the ones an answer can be written in
(:data:`policykg.use.answers.ALL_FORMATS`). Only the standard library's
``collections`` is imported besides: this module is on the query path.
"""

from __future__ import annotations

from collections import namedtuple

from policykg.use.answers import ALL_FORMATS

#: The longest ``--timeout`` any command takes, in seconds (a day). ``inf`` or ``1e308`` would be no limit at
#: all — a runaway query or a trickling server held for ever — and overflow the clocks they are added to.
MAX_TIMEOUT = 86_400.0
#: ``policykg query --timeout`` when not given, in seconds.
DEFAULT_TIMEOUT = 30.0

#: One option: its ``flags`` (``("query",)`` for the positional), the attribute it sets (``dest``), its
#: default, its ``kind`` — ``positional`` (at most one), ``text``, ``choice`` (one of ``choices``), ``flag``
#: (present or not), ``repeat`` (a list, one item per use) or ``seconds`` (:func:`timeout_seconds`) — its
#: ``metavar`` and its bilingual ``help``.
Option = namedtuple("Option", "flags dest default kind choices metavar help", defaults=(None, None, ""))

#: ``policykg query``'s options, in the order argparse lists them.
QUERY_OPTIONS = (
    Option(("query",), "query", None, "positional",
           help="查询库中的查询名或 .rq 文件 / stored query name or .rq file"),
    Option(("-e", "--expr"), "expr", None, "text", metavar="QUERY",
           help="查询文本本身，如 -e 'SELECT …' / the query text itself, e.g. -e 'SELECT …'"),
    Option(("--format",), "format", "table", "choice", choices=ALL_FORMATS,
           help="输出格式（默认 table；turtle、nt 用于 CONSTRUCT 与 DESCRIBE） / "
                "output format (default table; turtle and nt for CONSTRUCT and DESCRIBE)"),
    Option(("--excel",), "excel", False, "flag",
           help="配合 --format csv：开头加 UTF-8 BOM，使 Excel 正确显示中文；以 = + - @ 开头的文本前加 '，"
                "不会被当作公式 / "
                "with --format csv: start with a UTF-8 byte order mark so Excel reads Chinese right, "
                "and prefix text starting with = + - @ with ' so Excel never runs it as a formula"),
    Option(("--param",), "param", (), "repeat", metavar="NAME=VALUE",
           help="为查询的某个 @param 赋值（可重复） / a value for one of the query's @param (repeatable)"),
    Option(("--graph",), "graph", None, "text",
           help="存储文件夹、输出文件夹或 .ttl/.nt 文件（默认 graph/store，否则 graph/policykg.ttl） / "
                "a store folder, an output folder, or a .ttl/.nt file "
                "(default: graph/store, else graph/policykg.ttl)"),
    Option(("--timeout",), "timeout", DEFAULT_TIMEOUT, "seconds", metavar="SECONDS",
           help=f"超时：查询运行超过此秒数即停止（默认 {DEFAULT_TIMEOUT:g}，至多 {MAX_TIMEOUT:g}） / "
                f"stop the query after this many seconds (default {DEFAULT_TIMEOUT:g}, at most {MAX_TIMEOUT:g})"),
    Option(("--doc",), "doc", None, "text", metavar="ID",
           help="只查询语料库中的一份文件（其 id，见 'policykg docs'） / "
                "run on one document of a corpus (its id, as 'policykg docs' lists them)"),
)


def timeout_seconds(text: str) -> float:
    """A ``--timeout`` value: a number of seconds above 0 and at most :data:`MAX_TIMEOUT`, else ``ValueError``.

    One function for every command's ``--timeout`` (argparse uses it as the option's
    type), so the plain reader and argparse accept exactly the same values.

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
