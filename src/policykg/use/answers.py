"""A query's answer as text: the formats of ``policykg query`` and the escaping that keeps a terminal safe.

Rows (SELECT) as an aligned table, CSV, TSV or JSON; ASK as ``true``/``false``;
the triples of CONSTRUCT and DESCRIBE as Turtle or N-Triples, sorted so the
output is deterministic. Values arrive as plain Python
(:func:`policykg.kg.store.plain`), so the outputs do not depend on the engine.
:data:`ALL_FORMATS` is the one list of formats: the command line offers exactly
these (:mod:`policykg.cli.options`).

Everything a terminal shows passes :func:`escape_controls` (a value from a
document may carry escape sequences); tables count CJK characters as two columns
(:func:`display_width`).

This module is on the query path: ``re``, ``csv`` and ``unicodedata`` are
imported where they are needed, not at the top (``python -X importtime`` shows
what each would cost ``policykg query``).
"""

from __future__ import annotations

from policykg.errors import QueryError
from policykg.vocab import PREFIXES


def to_csv(columns, rows, delimiter: str = ",", excel: bool = False) -> str:
    """Rows as CSV (TSV with ``delimiter="\t"``), LF line ends.

    ``excel``: a CSV made for Excel — a UTF-8 byte order mark first (Excel on
    Windows reads Chinese right) and every text value that Excel would evaluate
    (``=HYPERLINK(…)``, ``+1``, ``-2``, ``@x``) neutralised with a leading ``'``
    (:func:`policykg.use.spreadsheet.excel_csv_text`); numbers stay numbers. Without
    it the values are written exactly as the graph holds them.
    """
    import io
    try:
        # the C writer that csv.writer is; the csv module around it imports re (≈8 ms) for its Sniffer
        from _csv import writer as csv_writer
    except ImportError:                       # an interpreter without CPython's _csv
        from csv import writer as csv_writer
    out = io.StringIO()
    out.write("\ufeff" if excel else "")
    writer = csv_writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    if excel:
        from policykg.use.spreadsheet import excel_csv_text     # only here: it imports re, which plain CSV does without
        rows = ([excel_csv_text(v) for v in row] for row in rows)
    writer.writerows(rows)
    return out.getvalue()


def to_json(columns, rows) -> str:
    import json
    return json.dumps([dict(zip(columns, r)) for r in rows], ensure_ascii=False, indent=1, default=str) + "\n"


def display_width(text: str) -> int:
    """Terminal columns: CJK characters take two.

    >>> display_width("市发改局"), display_width("abc")
    (8, 3)
    """
    from unicodedata import east_asian_width
    return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in text)


def to_table(columns, rows, max_width: int = 60) -> str:
    cells = [[clip_text(str(c), max_width) for c in columns]] + [[clip_text(str(v), max_width) for v in r]
                                                                  for r in rows]
    widths = [max(display_width(r[i]) for r in cells) for i in range(len(columns))]

    def line(row):
        return "  ".join(v + " " * (w - display_width(v)) for v, w in zip(row, widths)).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), sep] + [line(r) for r in cells[1:]]) + "\n"


def _control_points() -> list[int]:
    """Code points a terminal acts on instead of showing: C0 and C1 controls (ESC starts CSI/OSC sequences,
    U+009B is CSI itself), line and paragraph separators, bidirectional marks, overrides and isolates, and
    lone surrogates (a file name the file system gave undecodable bytes; a terminal cannot print them)."""
    return [*range(0x20), *range(0x7F, 0xA0), 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F),
            *range(0x2066, 0x206A), *range(0xD800, 0xE000)]


#: ``escape_controls``'s translation tables, by the characters each keeps.
_ESCAPES: dict[str, dict[int, str]] = {}


def escape_controls(text: str, keep: str = "") -> str:
    r"""Control characters as visible escapes, so a value cannot drive the terminal.

    An ESC from the graph would otherwise start a terminal escape sequence
    (colours, cursor moves, clearing the screen, OSC window titles); line and
    paragraph separators and bidirectional overrides would reorder or split the
    table's lines. ``keep``: characters left as they are (``"\n\t"`` for whole
    CSV/TSV output, whose rows and cells they separate). A ``str.translate``
    table, not a regular expression: ``re`` stays off the query command's path.

    >>> escape_controls("a\x1b[31mb\tc"), escape_controls("a\u202eb\nc", keep="\n")
    ('a\\x1b[31mb\\x09c', 'a\\u202eb\nc')
    """
    table = _ESCAPES.get(keep)
    if table is None:
        table = _ESCAPES[keep] = {c: (f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}")
                                  for c in _control_points() if chr(c) not in keep}
    return text.translate(table)


def clip_text(text: str, width: int) -> str:
    """``text`` on one line, control characters escaped, cut to ``width`` display columns with an ellipsis.

    CJK characters count double.
    """
    text = escape_controls(text.replace("\r\n", " ").replace("\n", " "))
    if display_width(text) <= width:
        return text
    out = ""
    for ch in text:
        if display_width(out + ch) > width - 1:
            return out + "…"
        out += ch
    return out


FORMATTERS = {"csv": to_csv, "tsv": lambda c, r: to_csv(c, r, "\t"), "json": to_json, "table": to_table}
#: Formats for rows (SELECT), as ``--format`` lists them.
ROW_FORMATS = ("table", "csv", "tsv", "json")
#: Formats for the triples of CONSTRUCT and DESCRIBE (``table`` prints Turtle).
GRAPH_FORMATS = ("turtle", "nt")
#: Every format an answer can be written in: the choices of ``policykg query --format``.
ALL_FORMATS = (*ROW_FORMATS, *GRAPH_FORMATS)


def format_result(columns, rows, fmt: str, excel: bool = False) -> str:
    """Rows as ``fmt``; ``excel`` (CSV only): a CSV made for Excel (:func:`to_csv`)."""
    if fmt not in FORMATTERS:
        raise QueryError(f"unknown format {fmt!r}", hint=f"use one of {', '.join(FORMATTERS)}")
    if excel:
        if fmt != "csv":
            raise QueryError("--excel goes with --format csv")
        return to_csv(columns, rows, excel=True)
    return FORMATTERS[fmt](columns, rows)


def format_answer(result, fmt: str, excel: bool = False) -> str:
    """Any query's answer as text: rows as ``fmt``; ASK as ``true``/``false`` (JSON ``{"boolean": …}``);
    triples as Turtle (``table``, ``turtle``) or N-Triples (``nt``), sorted so the output is deterministic.
    ``excel``: rows as a CSV made for Excel (byte order mark, formulas neutralised: :func:`to_csv`)."""
    if result.kind == "ask":
        if fmt in GRAPH_FORMATS:
            raise QueryError(f"an ASK query answers true or false, not triples: --format {fmt} does not apply")
        value = "true" if result.boolean else "false"
        return f'{{"boolean": {value}}}\n' if fmt == "json" else ("\ufeff" if excel else "") + value + "\n"
    if result.kind == "graph":
        if fmt not in ("table", *GRAPH_FORMATS):
            raise QueryError(f"CONSTRUCT and DESCRIBE give triples: use --format turtle or nt, not {fmt}")
        return _triples_text(result.triples, "nt" if fmt == "nt" else "turtle")
    if fmt in GRAPH_FORMATS:
        raise QueryError(f"a SELECT query gives rows: --format {fmt} is for CONSTRUCT and DESCRIBE")
    return format_result(result.columns, result.rows, fmt, excel)


def _triples_text(triples: list, fmt: str) -> str:
    import pyoxigraph as ox

    ordered = sorted(set(triples), key=str)
    if fmt == "nt":
        return ox.serialize(ordered, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    used = {p: ns for p, ns in PREFIXES.items() if any(ns in str(t) for t in ordered)}
    return ox.serialize(ordered, format=ox.RdfFormat.TURTLE, prefixes=used).decode("utf-8")
