"""What the command line writes, as a terminal and a script meet it (issue 14, finding 6).

* A document or an answer can carry terminal escape sequences (ESC ] … BEL retitles the
  window, ESC [ 2 J clears the screen): on a terminal (a pseudo-terminal here) they are
  shown escaped, in every format; redirected to a file or a pipe the bytes are exact.
* A full disk (``/dev/full``) or a closed stdout (``>&-``) ends with one line on stderr
  and a non-zero exit, never a traceback; a reader gone (a pipe whose read end is
  closed, as ``| head -1`` leaves it) ends silently with 141, as SIGPIPE ends other tools.
* ``--timeout`` has a ceiling: ``inf``, ``1e308``, ``nan`` and values over a day are refused.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from policykg.cli import main

ROOT = Path(__file__).resolve().parents[1]
GRAPH_TTL = ROOT / "graph" / "docs" / "000_4cdbba2a142b4d11" / "policykg.ttl"
#: What a hostile document carries: an OSC window title, a screen clear, a C1 CSI, a bidi override, U+2028.
EVIL = "\x1b]0;pwned\x07red\x1b[2Jgone\x9b31m\u202eevil\u2028end"
EVIL_TTL = ('<http://example.org/x> <http://example.org/p> '
            '"\\u001B]0;pwned\\u0007red\\u001B[2Jgone\\u009B31m\\u202Eevil\\u2028end" .\n')
SELECT = "SELECT ?o WHERE { <http://example.org/x> <http://example.org/p> ?o }"
#: Bytes no terminal may receive from policykg: C0 controls but tab/LF/CR, DEL, C1 (UTF-8), bidi override, U+2028.
RAW = (b"\x1b", b"\x07", b"\xc2\x9b", "\u202e".encode(), "\u2028".encode())


def cli(*argv, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "policykg.cli", *map(str, argv)], cwd=ROOT, timeout=timeout, **kw)


def on_terminal(*argv) -> tuple[int, bytes]:
    """(exit code, what the terminal received) of ``policykg ARGV`` with stdout on a pseudo-terminal."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "policykg.cli", *map(str, argv)], cwd=ROOT, stdout=slave,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    os.close(slave)
    received = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:                     # EIO: the child closed the terminal
            break
        if not chunk:
            break
        received += chunk
    os.close(master)
    return proc.wait(timeout=120), received.replace(b"\r\n", b"\n")   # the terminal's ONLCR


@pytest.fixture(scope="module")
def evil_graph(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("evil") / "evil.ttl"
    path.write_text(EVIL_TTL, encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "table"])
def test_answers_are_escaped_on_a_terminal_and_exact_when_redirected(evil_graph, fmt):
    code, shown = on_terminal("query", "-e", SELECT, "--graph", evil_graph, "--format", fmt)
    assert code == 0
    assert not [raw for raw in RAW if raw in shown], shown
    escaped_esc = b"\\u001b" if fmt == "json" else b"\\x1b"         # JSON escapes C0 its own way
    assert escaped_esc + b"[2Jgone\\x9b31m\\u202eevil\\u2028end" in shown, shown
    if fmt == "table":
        return                                            # a table is for eyes only: escaped everywhere
    piped = cli("query", "-e", SELECT, "--graph", evil_graph, "--format", fmt, capture_output=True)
    assert piped.returncode == 0
    expected = EVIL.encode() if fmt != "json" else b"\\u001b]0;pwned\\u0007red\\u001b[2Jgone"
    assert expected in piped.stdout, piped.stdout


def test_build_summary_is_escaped_on_a_terminal_and_exact_when_redirected(tmp_path):
    source = tmp_path / "evil_doc.txt"
    source.write_text("某某市人民政府关于\x1b]0;pwned\x07做好\x1b[2J某项工作的通知\n各区政府：\n一、总体要求\n"
                      "做好这项工作，意义重大。\n某某市人民政府\n2024年2月1日\n", encoding="utf-8")
    code, shown = on_terminal("build", source, "--out", tmp_path / "a")
    assert code == 0, shown
    assert b"\x1b" not in shown and b"\x07" not in shown, shown
    assert b"\\x1b[2J" in shown, shown                     # the title, as the summary's first line names it
    piped = cli("build", source, "--out", tmp_path / "b", capture_output=True)
    assert piped.returncode == 0 and b"\x1b[2J" in piped.stdout           # redirected: as the document has it


def test_docs_csv_is_escaped_on_a_terminal(tmp_path):
    ttl = tmp_path / "doc.ttl"
    ttl.write_text('@prefix pkg: <https://w3id.org/policykg/ontology#> .\n'
                   '@prefix dcterms: <http://purl.org/dc/terms/> .\n'
                   '<https://w3id.org/policykg/id/doc/x> a pkg:PolicyDocument ; pkg:shortId "x" ;\n'
                   '  dcterms:title "\\u001B]0;pwned\\u0007标题" .\n', encoding="utf-8")
    code, shown = on_terminal("docs", "--graph", ttl, "--format", "csv")
    assert code == 0 and b"\x1b" not in shown and b"\\x1b]0;pwned\\x07" in shown, shown


# ---------------------------------------------------------------- stdout that cannot take the output


COMMANDS = {
    "query csv": ["query", "key_tasks", "--graph", GRAPH_TTL, "--format", "csv"],
    "query table": ["query", "key_tasks", "--graph", GRAPH_TTL],
    "queries": ["queries"],
    "docs": ["docs", "--graph", GRAPH_TTL],
    "export csv": ["export", "matrix", "--graph", GRAPH_TTL, "--format", "csv"],
    "help": ["query", "--help"],
}


def one_line_failure(done: subprocess.CompletedProcess, words: str) -> None:
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode != 0, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert words in err, err


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_full_disk_is_one_line_and_non_zero(name):
    with open("/dev/full", "wb") as full:
        done = cli(*COMMANDS[name], stdout=full, stderr=subprocess.PIPE)
    one_line_failure(done, "No space left on device")


@pytest.mark.parametrize("name", ["query csv", "queries", "docs"])
def test_a_closed_stdout_is_one_line_and_non_zero(name):
    done = subprocess.run(["sh", "-c", 'exec "$0" "$@" >&-', sys.executable, "-m", "policykg.cli",
                           *map(str, COMMANDS[name])], cwd=ROOT, stderr=subprocess.PIPE, timeout=120)
    one_line_failure(done, "standard output is closed")


@pytest.mark.parametrize("name", ["query csv", "queries", "export csv"])
def test_a_reader_gone_is_silent_and_141(name):
    read_end, write_end = os.pipe()
    os.close(read_end)                                   # as `| head -1` leaves it once head has its line
    try:
        done = cli(*COMMANDS[name], stdout=write_end, stderr=subprocess.PIPE)
    finally:
        os.close(write_end)
    assert done.returncode == 141 and done.stderr == b"", done.stderr


# ---------------------------------------------------------------- --timeout's ceiling


@pytest.mark.parametrize("value", ["inf", "1e308", "nan", "86401", "0", "-1e-9"])
@pytest.mark.parametrize("command", [["query", "key_tasks", "--graph", GRAPH_TTL],
                                     ["push", "http://127.0.0.1:9/store"],
                                     ["serve", "--port", "0"]])
def test_timeout_has_a_ceiling(command, value):
    """Refused before anything runs (a fresh process: a serve that took the value would never end)."""
    done = cli(*command, f"--timeout={value}", capture_output=True, timeout=60)
    one_line_failure(done, "86400")
    assert "--timeout" in done.stderr.decode()


def test_the_largest_timeout_is_accepted(capsys):
    assert main(["query", "-e", "ASK { ?s ?p ?o }", "--graph", str(GRAPH_TTL), "--timeout", "86400"]) == 0
    assert capsys.readouterr().out == "true\n"
