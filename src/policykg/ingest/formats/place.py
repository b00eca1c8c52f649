"""Where lines sit in the file as published, said as a reader finds them.

The graph's line spans are exact but say nothing to someone holding the Word
file or the portal page; a locator per line (:class:`~policykg.model.Locator`)
says where each line came from. A span of several lines is described once:
runs in one table merged into rows and columns, paragraphs into a range, pages
into a range, and a span inside one cell or paragraph says which of its lines
(``table 1, row 2, column 5, line 15``). Rows, columns, pages and paragraphs
count from 1, as Word and a reader count them.
"""

from __future__ import annotations

from policykg.model import LineSpan, Locator, SourceText


def place(source: SourceText, span: LineSpan) -> str | None:
    """Where lines ``span`` sit in the original, said as a reader finds them
    (``table 1, row 5, column 7``); ``None`` for a plain text, whose line is its place."""
    if not source.locators:
        return None
    located = source.locators[span.start - 1:span.end]
    text = describe_place(located)
    if len(set(located)) == 1:          # inside one cell or paragraph: which of its lines
        first, last = span.start, span.end
        while first > 1 and source.locators[first - 2] == located[0]:
            first -= 1
        while last < len(source.locators) and source.locators[last] == located[0]:
            last += 1
        if (first, last) != (span.start, span.end):      # a part of it, not the whole
            text += ", " + _range("line", [span.start - first + 1, span.end - first + 1])
    return text


def describe_place(locators) -> str:
    """Several lines' locators as one readable place: runs in one table, paragraphs, pages merged.

    >>> t = Locator("docx", table=1, row=4, column=6)
    >>> describe_place([t, t]), describe_place([t, Locator("docx", table=1, row=5, column=6)])
    ('table 1, row 5, column 7', 'table 1, rows 5–6, column 7')
    >>> describe_place([Locator("docx", paragraph=3), Locator("docx", paragraph=4)])
    'paragraphs 3–4'
    >>> describe_place([Locator("html", element="p", source_line=45), Locator("html", element="p", source_line=47)])
    'page source lines 45–47'
    """
    groups: list[list[Locator]] = []
    for loc in locators:
        if groups and _group_key(groups[-1][-1]) == _group_key(loc):
            groups[-1].append(loc)
        else:
            groups.append([loc])
    parts = [_describe_group(g) for g in groups]
    parts = [p for i, p in enumerate(parts) if p and p not in parts[:i]]
    return "; ".join(parts if len(parts) <= 3 else [parts[0], "…", parts[-1]])


def _group_key(loc: Locator) -> tuple:
    if loc.table is not None:
        return ("table", loc.table)
    if loc.paragraph is not None:
        return ("paragraph",)
    return (loc.kind, loc.element is not None)


def _range(word: str, values: list[int]) -> str:
    low, high = min(values), max(values)
    return f"{word} {low}" if low == high else f"{word}s {low}–{high}"


def _describe_group(group: list[Locator]) -> str:
    pages = [loc.page for loc in group if loc.page is not None]
    parts = [_range("page", pages)] if pages else []
    first = group[0]
    if first.table is not None:
        parts.append(f"table {first.table}")
        rows = [loc.row + 1 for loc in group if loc.row is not None]
        columns = {loc.column for loc in group if loc.column is not None}
        if rows:
            parts.append(_range("row", rows))
        if len(columns) == 1:
            parts.append(f"column {columns.pop() + 1}")
    elif first.paragraph is not None:
        parts.append(_range("paragraph", [loc.paragraph for loc in group]))
    elif first.source_line is not None:
        lines = [loc.source_line for loc in group if loc.source_line is not None]
        parts.append(str(first) if len(set(lines)) == 1 else "page source " + _range("line", lines))
    return ", ".join(parts) or str(first)
