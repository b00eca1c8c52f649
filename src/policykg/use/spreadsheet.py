"""Values that stay data in a spreadsheet: no formulas, no characters XML cannot hold.

Why
---
A policy document, a query answer or a filled ledger is *text from outside*.
Written naively into a spreadsheet it can become code: openpyxl stores a
string beginning with ``=`` as a formula (``=HYPERLINK("http://…"&A1, …)`` is
a live link that leaks the row it sits in), and Excel evaluates a CSV cell
beginning with ``=``, ``+``, ``-`` or ``@`` the same way (OWASP, *CSV
Injection*). XLSX is XML, so a control character, a lone surrogate or
U+FFFE/U+FFFF makes a file Excel refuses to open. And a sheet holds at most
1,048,576 rows.

So every writer of a spreadsheet goes through these few functions:

* :func:`xlsx_cell` — numbers (``int``/``float``, not ``bool``) stay numbers;
  everything else becomes a cell *forced to the string type*, whatever its first
  character, with the characters XML cannot hold written as OOXML escapes
  (``_x000B_``; a literal ``_x0041_`` in the text gets its underscore escaped so
  Excel does not decode it);
* :func:`excel_csv_text` — for a CSV made for Excel: a text value that begins with
  ``= + - @``, a tab or a carriage return is prefixed with ``'`` (Excel's own "this
  is text" mark), as OWASP advises; numbers are left alone;
* :data:`XLSX_MAX_ROWS` and :class:`TooManyRows` — the row limit as a clear error
  instead of a corrupt file or a dropped connection.

>>> excel_csv_text("=1+1"), excel_csv_text("-3"), excel_csv_text(-3), excel_csv_text("市发改局")
("'=1+1", "'-3", -3, '市发改局')
>>> xlsx_text("a\\x0bb\\ufffe_x0041_")
'a_x000B_b_xFFFE__x005F_x0041_'
"""

from __future__ import annotations

import re

from policykg.errors import TooManyColumns, TooManyRows

__all__ = ["XLSX_MAX_ROWS", "TooManyRows", "check_rows", "excel_csv_text", "xlsx_cell", "xlsx_text"]

#: Rows in one worksheet, header included (Excel 2007 and later).
XLSX_MAX_ROWS = 1_048_576

#: What XML 1.0 cannot hold: C0 controls but tab/LF/CR, lone surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: Text that Excel would read as an OOXML escape (``_x0041_`` → "A") unless its underscore is escaped.
_LOOKS_ESCAPED = re.compile("_(?=x[0-9A-Fa-f]{4}_)")
#: The first characters that make Excel read a CSV cell as a formula (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def xlsx_text(text: str) -> str:
    """``text`` as it must be written into an XLSX string cell to read back unchanged in Excel."""
    text = _LOOKS_ESCAPED.sub("_x005F_", text)
    return _NOT_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def xlsx_cell(sheet, value):
    """A cell for ``sheet.append([...])`` (also a write-only sheet): numbers typed as numbers,
    anything else as a *string* cell that Excel never evaluates; ``None`` stays an empty cell."""
    from openpyxl.cell import WriteOnlyCell

    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return WriteOnlyCell(sheet, value=value)
    cell = WriteOnlyCell(sheet, value=xlsx_text(str(value)))
    cell.data_type = "s"   # openpyxl would store "=…" as a formula: force the string type
    return cell


def excel_csv_text(value):
    """A value for a CSV made for Excel: text that Excel would evaluate gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def check_rows(count: int, what: str = "the answer") -> None:
    """Raise :class:`TooManyRows` when ``count`` data rows (plus a header) do not fit one sheet."""
    if count + 1 > XLSX_MAX_ROWS:
        raise TooManyRows(f"{what} has {count:,} rows; a spreadsheet sheet holds {XLSX_MAX_ROWS - 1:,} "
                          "below its header", hint="export CSV or TSV, or add LIMIT")


# Added after the first version (kept below it, so branches that use the module merge cleanly).
__all__ += ["XLSX_MAX_COLUMNS", "TooManyColumns", "check_columns", "xlsx_header_text"]

#: Columns in one worksheet (Excel 2007 and later: A … XFD).
XLSX_MAX_COLUMNS = 16_384


def check_columns(count: int, what: str = "the answer") -> None:
    """Raise :class:`TooManyColumns` when ``count`` columns do not fit one sheet."""
    if count > XLSX_MAX_COLUMNS:
        raise TooManyColumns(f"{what} has {count:,} columns; a spreadsheet sheet holds {XLSX_MAX_COLUMNS:,}",
                             hint="export CSV instead")


def xlsx_header_text(text: str, limit: int = 120) -> str:
    """``text`` for a sheet's printed page header: nothing XML cannot hold, ``&`` doubled, at most ``limit``.

    A page header is not a cell: ``&`` starts one of Excel's header codes (``&P`` the
    page number, ``&F`` the file name…), so a literal one is written ``&&``; characters
    XML cannot hold are dropped (the header is decoration, the title is in the data);
    Excel refuses a header longer than 255 characters.

    >>> xlsx_header_text("关于A&B的通知\\ufffe")
    '关于A&&B的通知'
    """
    return _NOT_XML.sub("", text)[:limit].replace("&", "&&")
