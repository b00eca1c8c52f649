"""policykg — 政策文件知识图谱：构建、查询、浏览 / build, query and explore the knowledge graph of policy documents.

Each command parses options, calls one library
function, and turns library errors into a one-line message and an exit code.
The options are declared in :mod:`policykg.cli.parser` (argparse); plain
``policykg query`` command lines are read by :mod:`policykg.cli.argv`, so the
command analysts run most starts without argparse, ``re`` or ``pathlib``.

Exit codes: 0 success; 1 the graph does not conform to the SHACL shapes
(``build``, ``validate``); 2 bad input or usage (an unreadable document or
query, a missing graph, an unwritable output folder, a query refused or past
its time limit); 130 interrupted.
"""

from __future__ import annotations

import sys

from policykg.cli.argv import read_query_argv
from policykg.cli.commands import HANDLERS
from policykg.cli.terminal import TerminalStream, silence_stdout
from policykg.errors import PolicyKGError, ReaderGone, StdoutError, ValidationError

__all__ = ["main"]


def _release_stores() -> None:
    """Close the stores a command opened before the interpreter's slow teardown does."""
    module = sys.modules.get("policykg.kg.store")
    if module is not None:
        module.release()


def main(argv: list[str] | None = None) -> int:
    """Run one command line; its output goes through :class:`TerminalStream` for as long as it runs.

    ``argv`` left out means the console script (or ``python -m``): this process is then
    the command's own, and ``query`` may move it into a namespace with no network.
    """
    own_process = argv is None
    argv = sys.argv[1:] if argv is None else argv
    saved = sys.stdout, sys.stderr
    sys.stdout = TerminalStream(saved[0], keep="\n\t")
    sys.stderr = TerminalStream(saved[1], keep="\n\t\r", quiet=True)     # \r: a progress bar redraws its line
    try:
        return _run(argv, own_process)
    finally:
        sys.stdout, sys.stderr = saved
        _release_stores()


def _run(argv: list[str], own_process: bool = False) -> int:
    """The command's exit code; every error it raises is one line on stderr (a query that does not parse:
    that line, then the query's line and a caret under the column, as the editor shows it)."""
    try:
        code = _dispatch(argv, own_process)
        sys.stdout.flush()                       # a full disk shows here, not in the interpreter's last flush
        return code
    except ValidationError as exc:
        print(f"policykg: {exc}", file=sys.stderr)
        print(exc.report, file=sys.stderr)
        return exc.exit_code
    except ReaderGone:                           # `| head -1`: the reader has what it wanted
        silence_stdout()
        return ReaderGone.exit_code
    except StdoutError as exc:
        print(f"policykg: {exc}", file=sys.stderr)
        silence_stdout()
        return exc.exit_code
    except PolicyKGError as exc:
        print(f"policykg: {exc}", file=sys.stderr)
        if getattr(exc, "excerpt", ""):          # a query that does not parse: its line and a caret
            print(exc.excerpt, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


def _dispatch(argv: list[str], own_process: bool = False) -> int:
    args = read_query_argv(argv)                 # plain `policykg query …` lines, without argparse
    if args is None:
        from policykg.cli.parser import parse_args
        try:
            args = parse_args(argv)
        except SystemExit as exc:                # --help printed, or argparse's one-line usage error
            return exc.code if isinstance(exc.code, int) else 2
    args.own_process = own_process
    return HANDLERS[args.command](args)
