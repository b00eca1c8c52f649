"""``POST /export``: a query's answer as a file to download — CSV, TSV, JSON, XLSX, or a CSV made for Excel.

Why
---
Exports stay data. CSV, TSV and SPARQL JSON are the engine's own bytes. XLSX and
the CSV made for Excel are written by the front from the engine's TSV (which
keeps each term's type), streaming, through :mod:`policykg.use.spreadsheet`:
text is a string cell or a neutralised CSV field, never a formula; characters
XML cannot hold are escaped. They are written inside the query's worker slot and
time limit (**504** as soon as the pace says the file cannot be done in time),
and at most ``export_workers`` at once (the front makes more wait a moment, then
**503** with Retry-After). A table over a sheet's 1,048,575 rows is a **422**.
An XLSX export writes about 25,000 rows a second (openpyxl), so its size is
bounded by the time limit.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import math
import re
import tempfile
import time

from policykg.errors import TooManyRows
from policykg.use.serve.config import Reply, clip
from policykg.use.serve.limits import BLOCK, Answer
from policykg.use.spreadsheet import check_rows, excel_csv_text, xlsx_cell
from policykg.vocab import XSD_DECIMAL, XSD_FLOATS, XSD_INTEGERS

#: Download formats of ``POST /export``: what is asked of the engine, and the file's content type.
EXPORT_FORMATS = {
    "csv": ("text/csv", "text/csv; charset=utf-8"),
    "tsv": ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
    "json": ("application/sparql-results+json", "application/sparql-results+json"),
    "xlsx": ("text/tab-separated-values",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
#: What is asked of the engine for a file the front writes (XLSX, CSV for Excel): TSV keeps the
#: terms' types and lines; Turtle is accepted so that a CONSTRUCT is told it gives no table.
CONVERT_ACCEPT = "text/tab-separated-values, text/turtle;q=0.5"


def xlsx_available() -> bool:
    """Whether openpyxl (the ``export`` extra) is installed: XLSX downloads need it."""
    import importlib.util
    return importlib.util.find_spec("openpyxl") is not None


def export_name(name: str, fmt: str) -> str:
    """``key_tasks.csv``: the query's name (letters, digits, ``_-.``; else ``query``) and the format."""
    base = re.sub(r"[^\w.\-]+", "_", name.strip(), flags=re.ASCII).strip("._")[:80] or "query"
    return f"{base}.{fmt}"


def export_answer(answer: Answer, fmt: str, deadline: float, *, bom: bool = False) -> None:
    """Make the engine's answer the file to download, in place and by ``deadline`` (504 past it).

    CSV, TSV and SPARQL JSON are the engine's own bytes. The CSV made for Excel
    (``bom``) and XLSX are written from the engine's TSV, which keeps each term's
    type: numbers (integer, decimal, float, double literals of plain numeric
    form) stay numbers, everything else stays text that no spreadsheet runs —
    through :mod:`policykg.use.spreadsheet` (a string cell whatever its first
    character, XML-safe; ``= + - @`` neutralised in the CSV), with a BOM so
    Excel reads UTF-8. Both stream: the TSV is parsed as it is read and each
    chunk read gives its room to the output, and the XLSX sheet is written
    write-only to a temporary file. A table over the sheet's rows is a 422
    before any work; an ASK answer is one cell.
    """
    converts = fmt == "xlsx" or (fmt == "csv" and bom)
    if converts and not answer.ctype.startswith("text/tab-separated-values"):
        raise Reply(400, f"{'XLSX' if fmt == 'xlsx' else 'The CSV for Excel'} holds a table: "
                          "run a SELECT or ASK query (CONSTRUCT gives triples)")
    try:
        if fmt == "xlsx":
            rows = max(0, answer.count(b"\n") - 1)  # one line per solution (TSV escapes line breaks)
            check_rows(rows)
            _write_xlsx(answer, rows, deadline)
        elif converts:
            _write_excel_csv(answer, deadline)
    except TooManyRows as err:
        raise Reply(422, f"{err.message}: {err.hint}") from err
    except SyntaxError as err:  # pyoxigraph on a TSV it cannot read: not expected of the engine
        raise Reply(502, f"the engine's answer could not be read: {clip(str(err), 200)}") from err
    answer.ctype = EXPORT_FORMATS[fmt][1]


def _solutions(answer: Answer) -> tuple[list[str] | None, object]:
    """The answer's TSV as pyoxigraph reads it, streaming: ``(variable names, solutions)``, or
    ``(None, True/False)`` for an ASK answer."""
    import pyoxigraph

    results = pyoxigraph.parse_query_results(answer.source(), pyoxigraph.QueryResultsFormat.TSV)
    if isinstance(results, pyoxigraph.QueryBoolean):
        return None, bool(results)
    return [v.value for v in results.variables], results


def _write_excel_csv(answer: Answer, deadline: float) -> None:
    """The CSV made for Excel: BOM, header of the variable names, text neutralised, numbers as they are."""
    names, results = _solutions(answer)
    terms = _terms()
    text = io.StringIO()
    writer = csv.writer(text)
    answer.put(b"\xef\xbb\xbf", deadline)
    if names is None:
        writer.writerows([["boolean"], ["true" if results else "false"]])
    else:
        writer.writerow(names)
        for n, solution in enumerate(results, 1):
            writer.writerow([terms.csv(term) for term in solution])
            if text.tell() >= BLOCK:
                answer.put(text.getvalue().encode("utf-8"), deadline)
                text.seek(0)
                text.truncate()
            if n % _CHECK_ROWS == 0:
                _in_time(n, 0, deadline, "CSV")
    answer.put(text.getvalue().encode("utf-8"), deadline)
    answer.settle()


def _write_xlsx(answer: Answer, rows: int, deadline: float) -> None:
    """One sheet "result" in a temporary file that becomes the answer; an unfinished sheet's own
    temporary file is deleted at once (openpyxl would keep it until the process exits)."""
    import openpyxl

    names, results = _solutions(answer)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("result")
    out = tempfile.TemporaryFile(prefix="policykg-export-")
    try:
        if names is None:
            sheet.append(["boolean"])
            sheet.append([results])
        else:
            _fill_sheet(sheet, names, results, rows, deadline)
        book.save(out)
        _in_time(rows, 0, deadline, "XLSX")
    except BaseException:
        out.close()
        if sheet._writer is not None and not sheet.closed:  # noqa: SLF001 (no public way to drop a sheet)
            sheet.close()
            sheet._writer.cleanup()  # noqa: SLF001
        raise
    answer.use_file(out)


def _fill_sheet(sheet, names: list[str], results, rows: int, deadline: float) -> None:
    """The header row of the variables (frozen), then one row per solution; column widths from the
    first rows, as a write-only sheet must have them before its first row."""
    from openpyxl.utils import get_column_letter

    terms = _terms()
    first = [[terms.value(t) for t in s] for s in itertools.islice(results, _WIDTH_ROWS)]
    for i, name in enumerate(names):
        width = max([len(name)] + [min(60, len(str(row[i] if row[i] is not None else ""))) for row in first])
        sheet.column_dimensions[get_column_letter(i + 1)].width = max(8, min(60, width + 2))
    sheet.freeze_panes = "A2"
    sheet.append([xlsx_cell(sheet, name) for name in names])
    rest = ([terms.value(t) for t in s] for s in results)
    started = time.monotonic()
    for n, row in enumerate(itertools.chain(first, rest), 1):
        sheet.append([xlsx_cell(sheet, value) for value in row])
        if n % _CHECK_ROWS == 0:
            _in_time(n, rows, deadline, "XLSX", started)


def _in_time(done: int, total: int, deadline: float, what: str, started: float = 0.0) -> None:
    """504 once past ``deadline`` — or as soon as the pace so far says ``total`` rows cannot make it."""
    now = time.monotonic()
    limit = "the query's time limit"
    if now > deadline:
        raise Reply(504, f"export stopped: writing the {what} file ran past {limit}; "
                          "add LIMIT, export CSV or TSV, or raise --timeout")
    if started and total > done and now + (now - started) * (total - done) / done > deadline:
        needed = (now - started) * total / done
        raise Reply(504, f"export stopped: writing {total:,} rows as {what} would take about {needed:.0f} s, "
                          f"past {limit}; add LIMIT, export CSV or TSV, or raise --timeout")

#: Datatypes of numbers with a fraction part (integers are :data:`policykg.vocab.XSD_INTEGERS`).
_FRACTIONS = XSD_FLOATS | {XSD_DECIMAL}
#: A number as it is safe to write unquoted: no INF/NaN, no spaces, nothing a spreadsheet would evaluate.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_WIDTH_ROWS = 200
_CHECK_ROWS = 2000


class _Terms:
    """How pyoxigraph's terms become spreadsheet values (made once, when pyoxigraph is first needed).

    A numeric literal (integer, decimal, float, double) of plain numeric form is
    a number; anything else is its text: the IRI, ``_:`` and the label of a
    blank node, the literal's lexical form. Dispatch is on the exact type and a
    dictionary of datatypes, as a million-row export calls this for each cell.
    """

    def __init__(self) -> None:
        import pyoxigraph

        self.literal, self.named, self.blank = pyoxigraph.Literal, pyoxigraph.NamedNode, pyoxigraph.BlankNode
        self.integer = {pyoxigraph.NamedNode(iri): iri in XSD_INTEGERS for iri in XSD_INTEGERS | _FRACTIONS}

    def is_number(self, term) -> bool:
        return (type(term) is self.literal and term.datatype in self.integer
                and _PLAIN_NUMBER.fullmatch(term.value) is not None)

    def text(self, term) -> str:
        kind = type(term)
        if kind is self.literal or kind is self.named:
            return term.value
        if kind is self.blank:
            return "_:" + term.value
        return str(term)  # a quoted triple

    def value(self, term) -> int | float | str | None:
        """A cell of the XLSX sheet (None: unbound; a double too large for a cell stays its text)."""
        if term is None:
            return None
        if not self.is_number(term):
            return self.text(term)
        value = term.value
        if self.integer[term.datatype] and value.lstrip("+-").isdigit():
            return int(value)
        number = float(value)
        return number if math.isfinite(number) else value

    def csv(self, term) -> str:
        """A field of the CSV made for Excel: a number as written, any other text neutralised."""
        if term is None:
            return ""
        return term.value if self.is_number(term) else excel_csv_text(self.text(term))


@functools.cache
def _terms() -> _Terms:
    return _Terms()
