"""The command line as a user meets it: good copies of the document, and bad input."""

from __future__ import annotations

import hashlib
import json

import pytest

from policykg.cli import main


def snapshot(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture()
def out_dir(tmp_path):
    out = tmp_path / "graph"
    out.mkdir()
    (out / "policykg.ttl").write_text("# the previous build\n", encoding="utf-8")
    return out


def variants(source_bytes: bytes) -> dict[str, bytes]:
    text = source_bytes.decode("utf-8")
    return {
        "bom": b"\xef\xbb\xbf" + source_bytes,
        "gb18030": text.encode("gb18030"),
        "crlf": text.replace("\n", "\r\n").encode("utf-8"),
    }


@pytest.mark.parametrize("variant", ["bom", "gb18030", "crlf"])
def test_cli_builds_the_same_graph_from_bom_gb18030_and_crlf_copies(tmp_path, source_path, built, variant,
                                                                     capsys):
    path = tmp_path / f"{variant}.txt"
    path.write_bytes(variants(source_path.read_bytes())[variant])
    out = tmp_path / "out"
    assert main(["build", str(path), "--out", str(out)]) == 0
    assert "key tasks 32" in capsys.readouterr().out
    from policykg.kg.query import find_query, run_query
    from policykg.kg.store import open_graph

    def without_doc(answer):      # the doc column is the file's name, which differs by design
        columns, rows = answer
        keep = [i for i, c in enumerate(columns) if c != "doc"]
        return [columns[i] for i in keep], [[row[i] for i in keep] for row in rows]
    expected = without_doc(run_query(built.graph, find_query("key_tasks")))
    assert without_doc(run_query(open_graph(str(out / "policykg.ttl")), find_query("key_tasks"))) == expected


def truncated_table(source_path) -> bytes:
    lines = source_path.read_text(encoding="utf-8").split("\n")
    return "\n".join(lines[:158]).encode("utf-8")       # stops after 长期实施 (L157) and the first unit cell


BAD_INPUTS = {
    "empty": (lambda src: b"", 1, "empty"),
    "binary": (lambda src: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 3, "binary"),   # NUL on line 3
    "latin1": (lambda src: "说明\n".encode() + "caf\xe9 cr\xe8me\n".encode("latin-1") * 3, 2, "not UTF-8"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_cli_bad_input_one_line_error_exit_code_and_untouched_output(tmp_path, source_path, out_dir, capsys,
                                                                      case):
    make, line, words = BAD_INPUTS[case]
    path = tmp_path / f"{case}.txt"
    path.write_bytes(make(source_path))
    before = snapshot(out_dir)
    code = main(["build", str(path), "--out", str(out_dir)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert f"{path}:{line}:" in err and words in err, err
    assert snapshot(out_dir) == before


def test_cli_truncated_table_builds_with_a_warning_and_strict_refuses(tmp_path, source_path, out_dir, capsys):
    """Degrade, don't die: a table cut mid-row still gives the document's header and text,
    with a one-line warning naming line 157; ``--strict`` turns it into exit 2 and writes nothing."""
    path = tmp_path / "truncated.txt"
    path.write_bytes(truncated_table(source_path))
    out = tmp_path / "out"
    assert main(["build", str(path), "--out", str(out)]) == 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "warning" in err and "line 157" in err and "cut off" in err, err
    assert (out / "policykg.ttl").exists()
    before = snapshot(out_dir)
    assert main(["build", str(path), "--out", str(out_dir), "--strict"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"{path}:" in err and "[PKG200]" in err and "--strict" in err, err
    assert snapshot(out_dir) == before


def test_cli_broken_row_names_its_line(tmp_path, source_path, out_dir, capsys):
    """A lost leading tab merges two cells: the table is read as text and the warning names the row's line."""
    lines = source_path.read_text(encoding="utf-8").split("\n")
    lines[139] = lines[139].replace("\t", "")      # L140 "\t市发改局": the units cell loses its tab
    path = tmp_path / "broken.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert main(["build", str(path), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "table rows not aligned" in err
    assert main(["build", str(path), "--out", str(out_dir), "--strict"]) == 2
    assert f"{path}:" in capsys.readouterr().err


def test_cli_unknown_query_and_bad_param_are_clean_errors(capsys):
    assert main(["query", "no_such_query"]) == 2
    assert "no stored query" in capsys.readouterr().err
    assert main(["query", "key_tasks", "--param", "oops"]) == 2
    assert "NAME=VALUE" in capsys.readouterr().err


def test_cli_queries_lists_the_library(capsys):
    assert main(["queries"]) == 0
    out = capsys.readouterr().out
    assert "shared_responsibilities" in out and "哪些单位共同承担的重点工作最多" in out


def test_cli_unknown_layout_builds_what_it_understood_and_warns(tmp_path, out_dir, capsys):
    """A document with no note and no table: its header and text still build (exit 0), the warning
    says no record was recognised; unreadable input is the only exit 2 without --strict."""
    path = tmp_path / "prose.txt"
    path.write_text("某某市人民政府关于做好某项工作的通知\n各区政府：\n一、总体要求\n做好这项工作，意义重大。\n"
                    "某某市人民政府\n2024年2月1日\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", str(path), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "no responsibility record recognised" in err
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["document"]["issued"] == "2024-02-01" and report["counts"]["responsibility_records"] == 0
    assert main(["build", str(path), "--out", str(out_dir), "--strict"]) == 2


def test_cli_build_force_and_the_summary_of_what_was_rebuilt_and_why(tmp_path, capsys):
    """Issue 17: ``policykg build --force [ID…]``; the summary names what was rebuilt and why."""
    folder = tmp_path / "src"
    folder.mkdir()
    for name, unit in (("a", "市发改委"), ("b", "市财政局")):
        (folder / f"{name}.txt").write_text(f"济南市人民政府关于印发{name}方案的通知\n一、重点任务\n"
                                            f"1.建设城市大脑。推进数据汇聚（责任单位：{unit}）。\n济南市人民政府\n"
                                            "2022年9月1日\n", encoding="utf-8")
    out = str(tmp_path / "out")
    assert main(["build", str(folder), "--out", out, "--no-analysis"]) == 0
    assert "  rebuilt: new 2 (a, b)" in capsys.readouterr().out.splitlines()
    assert main(["build", str(folder), "--out", out, "--no-analysis"]) == 0
    assert "(0 rebuilt, 2 unchanged)" in capsys.readouterr().out
    assert main(["build", str(folder), "--out", out, "--no-analysis", "--force", "b"]) == 0
    assert "  rebuilt: forced 1 (b)" in capsys.readouterr().out.splitlines()
    assert main(["build", str(folder), "--out", out, "--no-analysis", "--force"]) == 0
    assert "  rebuilt: forced 2 (a, b)" in capsys.readouterr().out.splitlines()
    assert main(["build", "--out", out, "--force", str(folder)]) == 2      # a folder after --force is no id
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--force names no document" in err
