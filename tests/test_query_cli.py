"""``policykg query`` as an analyst and an attacker meet it (issues 7, 9 and 10).

Every error is one line on stderr with exit code 2; nothing hangs, nothing is
echoed from a file that is not a query; every query form answers.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from policykg.cli import main

ROOT = Path(__file__).resolve().parents[1]
#: The seed document's folder in the built corpus (graph/docs/<id>/, laid out as a one-document build).
SEED_DIR = ROOT / "graph" / "docs" / "000_4cdbba2a142b4d11"
GRAPH_TTL = SEED_DIR / "policykg.ttl"
PKG = "https://w3id.org/policykg/ontology#"


def run(capsys, *argv):
    """(exit code, stdout, stderr) of ``policykg ARGV`` run in process."""
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def one_line_error(code, err):
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


def cli(*argv, timeout=60, **kw):
    """Run the installed command line in a fresh interpreter (for time limits and imports)."""
    return subprocess.run([sys.executable, "-m", "policykg.cli", *map(str, argv)], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, **kw)


# ---------------------------------------------------------------- query forms


def test_ask_prints_true_or_false_and_json_boolean(capsys):
    code, out, _ = run(capsys, "query", "-e", f"ASK {{ ?t a <{PKG}KeyTask> }}", "--graph", GRAPH_TTL)
    assert (code, out) == (0, "true\n")
    code, out, _ = run(capsys, "query", "-e", f"ASK {{ ?t a <{PKG}Nothing> }}", "--graph", GRAPH_TTL,
                       "--format", "json")
    assert code == 0 and json.loads(out) == {"boolean": False}


def test_construct_prints_turtle_and_ntriples(capsys):
    query = (f"PREFIX pkg: <{PKG}> CONSTRUCT {{ ?t pkg:taskNumber ?n }} "
             f"WHERE {{ ?t a pkg:KeyTask ; pkg:taskNumber ?n }}")
    code, out, _ = run(capsys, "query", "-e", query, "--graph", GRAPH_TTL)
    assert code == 0 and "@prefix pkg:" in out and out.count("pkg:taskNumber") == 32
    code, nt, _ = run(capsys, "query", "-e", query, "--graph", GRAPH_TTL, "--format", "nt")
    lines = nt.splitlines()
    assert code == 0 and len(set(lines)) == len(lines) == 32
    assert all(line.endswith(" .") and f"<{PKG}taskNumber>" in line for line in lines)
    code, again, _ = run(capsys, "query", "-e", query, "--graph", GRAPH_TTL, "--format", "nt")
    assert again == nt                                        # deterministic


def test_describe_prints_triples(capsys):
    code, out, _ = run(capsys, "query", "-e", f"DESCRIBE <{PKG}KeyTask>", "--graph", GRAPH_TTL, "--format", "nt")
    assert code == 0 and f"<{PKG}KeyTask>" in out


def test_construct_with_csv_is_a_one_line_error(capsys):
    code, _, err = run(capsys, "query", "-e", "CONSTRUCT WHERE { ?s ?p ?o }", "--graph", GRAPH_TTL, "--format", "csv")
    one_line_error(code, err)
    assert "turtle" in err


def test_named_graphs_answer_without_a_traceback(capsys):
    for query in ("SELECT ?s FROM NAMED <http://example.org/g> WHERE { GRAPH ?g { ?s ?p ?o } }",
                  "SELECT ?s WHERE { GRAPH <http://example.org/g> { ?s ?p ?o } }",
                  "SELECT ?s FROM <http://example.org/g> WHERE { ?s ?p ?o }"):
        code, out, err = run(capsys, "query", "-e", query, "--graph", GRAPH_TTL, "--format", "csv")
        assert (code, out, err) == (0, "s\n", ""), query


# ---------------------------------------------------------------- ad-hoc queries (issue 9)


def test_inline_query_and_a_headerless_rq_file(tmp_path, capsys):
    query = f"SELECT (COUNT(?t) AS ?n) WHERE {{ ?t a <{PKG}KeyTask> }}"
    code, out, _ = run(capsys, "query", "-e", query, "--graph", GRAPH_TTL, "--format", "csv")
    assert (code, out) == (0, "n\n32\n")
    path = tmp_path / "count.rq"
    path.write_text(query + "\n", encoding="utf-8")
    code, out2, _ = run(capsys, "query", path, "--graph", GRAPH_TTL, "--format", "csv")
    assert (code, out2) == (0, out)


def test_rq_file_with_a_bom_runs(tmp_path, capsys):
    path = tmp_path / "bom.rq"
    path.write_bytes(b"\xef\xbb\xbf# just a comment\nASK { ?s ?p ?o }\n")
    assert run(capsys, "query", path, "--graph", GRAPH_TTL)[:2] == (0, "true\n")


def test_query_name_and_inline_text_are_exclusive(capsys):
    code, _, err = run(capsys, "query", "key_tasks", "-e", "ASK {}")
    one_line_error(code, err)
    code, _, err = run(capsys, "query")
    one_line_error(code, err)


def test_param_on_a_query_without_parameters_is_refused(capsys):
    code, _, err = run(capsys, "query", "-e", "ASK { ?s ?p ?o }", "--param", "topic=x", "--graph", GRAPH_TTL)
    one_line_error(code, err)


def test_excel_csv_starts_with_a_bom(capsys):
    code, out, _ = run(capsys, "query", "unit_workload", "--format", "csv", "--excel", "--graph", GRAPH_TTL)
    assert code == 0 and out.startswith("\ufeffdoc,unit,lead_tasks,co_tasks,total\n")
    code, plain, _ = run(capsys, "query", "unit_workload", "--format", "csv", "--graph", GRAPH_TTL)
    assert out == "\ufeff" + plain
    code, _, err = run(capsys, "query", "unit_workload", "--format", "json", "--excel", "--graph", GRAPH_TTL)
    one_line_error(code, err)


def test_excel_csv_bytes_on_stdout():
    """The BOM is the UTF-8 bytes EF BB BF, whatever the locale says."""
    out = subprocess.run([sys.executable, "-m", "policykg.cli", "query", "unit_workload", "--format", "csv",
                          "--excel", "--graph", str(GRAPH_TTL)], capture_output=True, cwd=ROOT,
                         env={**os.environ, "PYTHONIOENCODING": "utf-8"}, timeout=60)
    assert out.returncode == 0 and out.stdout.startswith(b"\xef\xbb\xbfdoc,unit,")


# ---------------------------------------------------------------- hostile inputs (issue 10)


def test_fifo_named_like_a_query_does_not_block(tmp_path, capsys):
    fifo = tmp_path / "x.rq"
    os.mkfifo(fifo)
    start = time.monotonic()
    code, _, err = run(capsys, "query", fifo, "--graph", GRAPH_TTL)
    assert time.monotonic() - start < 5
    one_line_error(code, err)
    assert "not a regular file" in err


def test_folder_named_like_a_query(tmp_path, capsys):
    (tmp_path / "x.rq").mkdir()
    code, _, err = run(capsys, "query", tmp_path / "x.rq", "--graph", GRAPH_TTL)
    one_line_error(code, err)
    assert "folder" in err


def test_non_utf8_query_file(tmp_path, capsys):
    path = tmp_path / "gbk.rq"
    path.write_bytes("# 问题\nSELECT * WHERE { ?s ?p \"金融\" }\n".encode("gbk"))
    code, _, err = run(capsys, "query", path, "--graph", GRAPH_TTL)
    one_line_error(code, err)
    assert "not UTF-8" in err and f"{path}:1:" in err


def test_missing_query_file(tmp_path, capsys):
    code, _, err = run(capsys, "query", tmp_path / "nope.rq", "--graph", GRAPH_TTL)
    one_line_error(code, err)


def test_missing_or_folder_graph(tmp_path, capsys):
    code, _, err = run(capsys, "query", "key_tasks", "--graph", tmp_path / "nope.ttl")
    one_line_error(code, err)
    assert "no graph" in err
    code, _, err = run(capsys, "query", "key_tasks", "--graph", tmp_path)
    one_line_error(code, err)
    assert "no policykg store" in err


def test_graph_error_never_echoes_the_file(tmp_path, capsys):
    secret = "root:x:0:0:SECRET-TOKEN-4242:/root:/bin/bash"
    path = tmp_path / "passwd"
    path.write_text(secret + "\nsecond:line\n", encoding="utf-8")
    for graph in (path, Path("/etc/passwd")):
        code, _, err = run(capsys, "query", "key_tasks", "--graph", graph)
        one_line_error(code, err)
        assert "SECRET" not in err and "root" not in err.replace(str(graph), "") and "/bin/bash" not in err
        assert "line 1" in err


def test_fifo_as_graph_does_not_block(tmp_path, capsys):
    fifo = tmp_path / "g.ttl"
    os.mkfifo(fifo)
    code, _, err = run(capsys, "query", "key_tasks", "--graph", fifo)
    one_line_error(code, err)


def test_syntax_error_is_line_column_the_line_and_a_caret(capsys):
    """As short as the editor's (issue 17, item 2): one line naming line and column, then the line and a
    caret; not Oxigraph's screen of Unicode ranges (failed before: one line holding ['\\u{00B7}' …])."""
    query = "SELECT * WHERE { ?s ?p ?o } LIMIT x"
    code, _, err = run(capsys, "query", "-e", query, "--graph", GRAPH_TTL)
    column = query.index("x") + 1                       # LIMIT takes a number
    assert code == 2 and "Traceback" not in err
    first, shown, caret = err.rstrip("\n").split("\n")
    assert first.startswith(f"policykg: [PKG502] line 1, column {column}: syntax error: expected"), err
    assert "\\u{" not in err and "..=" not in err
    assert shown == "1 | " + query
    assert caret == " " * (len("1 | ") + column - 1) + "^"


def test_service_is_refused(capsys):
    code, _, err = run(capsys, "query", "-e", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
                       "--graph", GRAPH_TTL)
    one_line_error(code, err)


def test_control_characters_are_escaped_in_table_output(tmp_path, capsys):
    path = tmp_path / "evil.ttl"
    path.write_text('<http://example.org/x> <http://example.org/p> "red\\u001b[31m\\u0007bell\\u009b2J\\u202eevil" .\n',
                    encoding="utf-8")
    code, out, _ = run(capsys, "query", "-e", "SELECT ?o WHERE { <http://example.org/x> ?p ?o }", "--graph", path)
    assert code == 0
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]", out)
    assert "red\\x1b[31m\\x07bell\\x9b2J\\u202eevil" in out


def test_runaway_query_stops_at_the_time_limit():
    runaway = ("SELECT (COUNT(*) AS ?n) WHERE { ?a (!<http://x/y>)* ?b . ?b (!<http://x/z>)* ?c . "
               "?c (!<http://x/w>)* ?d }")
    start = time.monotonic()
    out = cli("query", "-e", runaway, "--graph", GRAPH_TTL, "--timeout", "1", timeout=60)
    assert time.monotonic() - start < 15
    assert out.returncode == 2, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "time limit" in out.stderr


def test_usage_errors_are_one_line_exit_2():
    out = cli("query", "key_tasks", "--format", "xml")
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_help_documents_exit_codes():
    out = cli("query", "--help")
    assert out.returncode == 0
    text = " ".join(out.stdout.split())
    assert "exit codes: 0" in text and "1 the graph does not conform" in text and "2 bad input" in text


# ---------------------------------------------------------------- the query path stays light


def test_query_path_imports_no_rdflib_jieba_or_pyshacl():
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "policykg.cli", "query",
                          "shared_responsibilities", "--format", "csv", "--graph", str(GRAPH_TTL)],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    imported = {line.split("|")[-1].strip().split(".")[0] for line in out.stderr.splitlines()
                if line.startswith("import time:")}
    assert "pyoxigraph" in imported
    assert not imported & {"rdflib", "jieba", "pyshacl", "networkx", "pandas"}, imported


def test_plain_query_loads_no_argparse_re_pathlib_csv_or_threading(tmp_path):
    """The plain query command — the console script's own lines, a store, CSV out — loads only what it
    needs: each of these modules would cost it about a tenth of a bare ``import pyoxigraph`` or more."""
    store = tmp_path / "store"
    from policykg.kg.store import write_store
    write_store(store, (SEED_DIR / "policykg.nt").read_bytes())
    script = ("import sys; from policykg.cli import main; sys.argv = ['policykg', 'query', "
              f"'shared_responsibilities', '--format', 'csv', '--graph', {str(store)!r}]; code = main(); "
              "sys.stdout.flush(); "
              "heavy = {'argparse', 're', 'pathlib', 'csv', 'threading', 'typing', 'shutil', 'gettext', "
              "'rdflib', 'jieba', 'pyshacl', 'networkx', 'dataclasses', 'inspect'} & set(sys.modules); "
              "print('HEAVY', sorted(heavy), file=sys.stderr); sys.exit(code)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("doc,unit_a,unit_b,shared\n000_4cdbba2a142b4d11,"), out.stdout[:200]
    assert "HEAVY []" in out.stderr, out.stderr


def test_build_then_query_a_ttl_as_an_outside_scorer_does(tmp_path, source_path):
    out = tmp_path / "OUT"
    built = cli("build", source_path, "--out", out, timeout=300)
    assert built.returncode == 0, built.stderr
    answer = cli("query", "key_tasks", "--graph", out / "policykg.ttl", "--format", "json")
    assert answer.returncode == 0, answer.stderr
    rows = json.loads(answer.stdout)
    assert len(rows) == 32 and rows[0]["no"] == 1
    from_store = cli("query", "key_tasks", "--graph", out, "--format", "json")
    assert from_store.stdout == answer.stdout


# ---------------------------------------------------------------- the editor's conveniences (issue 17, item 2)


def test_default_prefixes_on_the_command_line(tmp_path, capsys):
    """``pkg:`` undeclared runs in -e text and in a .rq file, as in the editor (failed before: exit 2)."""
    code, out, err = run(capsys, "query", "-e", "SELECT (COUNT(?t) AS ?n) WHERE { ?t a pkg:KeyTask }",
                         "--graph", GRAPH_TTL, "--format", "csv")
    assert (code, out) == (0, "n\n32\n"), err             # the seed's 32 key tasks (as CONSTRUCT above)
    path = tmp_path / "mine.rq"
    path.write_text("# @param n 3 — which task\nSELECT ?label WHERE {\n  ?t a pkg:KeyTask ; pkg:taskNumber ?k ;"
                    " rdfs:label ?label .\n  FILTER(STR(?k) = ?n)\n}\n", encoding="utf-8")
    code, out, err = run(capsys, "query", path, "--graph", GRAPH_TTL, "--format", "csv", "--param", "n=12")
    assert code == 0 and len(out.splitlines()) == 2, (out, err)
    own = "PREFIX pkg: <urn:not-pkg#>\nSELECT (COUNT(?t) AS ?n) WHERE { ?t a pkg:KeyTask }"
    code, out, _ = run(capsys, "query", "-e", own, "--graph", GRAPH_TTL, "--format", "csv")
    assert (code, out) == (0, "n\n0\n")                   # a prefix the query declares is never replaced


def test_errors_name_the_users_lines_after_prefixes_and_parameters(tmp_path, capsys):
    """A line added for pkg: and one for the parameter's VALUES do not shift the line an error names."""
    path = tmp_path / "bad.rq"
    lines = ["# @param n 3 — which task", "SELECT ?t WHERE {", "  ?t a pkg:KeyTask ; pkg:taskNumber ?k .", "}",
             "LIMIT x"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = run(capsys, "query", path, "--graph", GRAPH_TTL)
    first, shown, _ = err.rstrip("\n").split("\n")
    assert code == 2 and first.startswith(f"policykg: {path}: [PKG502] line 5, column 7: syntax error"), err
    assert shown == "5 | LIMIT x"
    query = "SELECT * WHERE {\n  ?s nope:p ?o\n}"
    code, _, err = run(capsys, "query", "-e", query, "--graph", GRAPH_TTL)
    assert code == 2 and err.startswith("policykg: [PKG502] line 2, column 6: the prefix 'nope:' is not declared")


def test_the_guard_checks_the_final_text_in_the_users_lines(capsys):
    code, _, err = run(capsys, "query", "-e", "SELECT * WHERE { ?s rdfs:label ?o \n SERVICE <http://127.0.0.1:9/> { } }",
                       "--graph", GRAPH_TTL)
    one_line_error(code, err)
    assert "[PKG511]" in err and "line 2, column 2" in err


def test_the_editor_and_the_command_line_share_one_declaration(capsys):
    """One module prepares both (prefixes, errors); the same bad text reads the same in both."""
    from policykg.kg import sparql_text
    from policykg.use.serve import prepare
    from policykg.use.serve.config import Reply
    assert prepare.with_default_prefixes is sparql_text.with_default_prefixes
    query = "SELECT ?t WHERE {\n  ?t a pkg:KeyTask ;\n     nope:x ?y }"
    with pytest.raises(Reply) as editor:
        prepare.prepare_query(query, [])
    _, _, err = run(capsys, "query", "-e", query, "--graph", GRAPH_TTL)
    assert err == "policykg: [PKG502] " + editor.value.message + "\n"
