"""read: encodings, line ends, and refusal of files that are not text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policykg.errors import InputError
from policykg.ingest.read import read_source

SAMPLE = "乐清市人民政府办公室\n\t序号\n\t1\n叶  茹\n"


def write(tmp_path, data: bytes, name="doc.txt"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("encoding,prefix,expected", [
    ("utf-8", b"", "utf-8"),
    ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
    ("gb18030", b"", "gb18030"),
])
def test_read_decodes_utf8_bom_and_gb18030(tmp_path, encoding, prefix, expected):
    src = read_source(write(tmp_path, prefix + SAMPLE.encode(encoding)))
    assert src.encoding == expected
    assert src.lines == ("乐清市人民政府办公室", "\t序号", "\t1", "叶  茹")


def test_read_crlf_and_cr_line_ends_give_the_same_lines(tmp_path):
    lf = read_source(write(tmp_path, SAMPLE.encode(), "lf.txt")).lines
    crlf = read_source(write(tmp_path, SAMPLE.replace("\n", "\r\n").encode(), "crlf.txt")).lines
    assert lf == crlf


def test_read_keeps_the_bundled_document_verbatim(source_path):
    src = read_source(source_path)
    assert len(src.lines) == 614                 # 613 newline-ended lines and a last " " without one
    assert src.lines[113] == "\t叶  茹"          # padding kept: the graph normalises, not the reader
    assert src.lines[554].endswith("\t")        # the stray tab after target 4 of task 29


@pytest.mark.parametrize("data,line,words", [
    (b"", 1, "empty"),
    (b"\n\n  \n", 1, "no text"),
    (b"\xe4\xb9\x90\n\x00\x01\x02binary", 2, "binary"),
    ("第一行\n".encode() + b"\xff\xfe\xfa\xff\n", 2, "not UTF-8"),
])
def test_read_refuses_bad_input_naming_file_and_line(tmp_path, data, line, words):
    path = write(tmp_path, data)
    with pytest.raises(InputError) as info:
        read_source(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}:"), message
    assert words in message


def test_read_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no file at this path"):
        read_source(tmp_path / "nope.txt")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1), min_size=1,
                max_size=8), st.sampled_from(["utf-8", "gb18030"]))
def test_read_round_trips_any_text_in_utf8_and_gb18030(tmp_path_factory, lines, encoding):
    lines = [line.replace("\r", "").replace("\n", "").replace("\x85", "").replace("\u2028", "")
             .replace("\u2029", "") for line in lines]
    if not any(line.strip() for line in lines):
        return
    try:
        data = "\n".join(lines).encode(encoding)
    except UnicodeEncodeError:
        return
    path = tmp_path_factory.mktemp("rt") / "x.txt"
    path.write_bytes(data)
    src = read_source(path)
    assert list(src.lines) == lines
