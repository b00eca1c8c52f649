"""Split 全市目标 / 落实举措 cells into numbered items, across page splits.

A cell lists items ``1.…`` ``2.…``, one per line. When a row is split across
pages, the second physical row may (a) repeat items already given, (b) go on
with the next number, or (c) begin with the rest of a sentence that the page
break cut in two (``…单险种参`` / ``加工伤保险。``). We keep the numbering, count
repeated lines once, and re-join broken sentences without a separator, as
Chinese needs none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from policykg.model import Cell, Item, LayoutNote, LineSpan

#: An item label: ``1.`` ``1．`` ``1、`` ``1. `` or a bare ``6`` before text (``6对审计…``).
_LABEL = re.compile(r"^(?P<num>\d{1,3})(?P<mark>\s*[.．、]\s*|(?=[^\d.．%％年月日万亿千百个家项件元人户名场次倍亩]))")


@dataclass
class _Draft:
    ordinal: int
    label: str | None
    parts: list[str] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


def item_label(line: str, expected: int) -> tuple[str, str] | None:
    """``(label, rest)`` when ``line`` opens item number ``expected``.

    Only the expected number counts, so a line that starts with a year
    (``2023年向民间资本推介…``) or repeats an earlier item is not a new item.

    >>> item_label("6对审计涉及到的单位", 6)
    ('6', '对审计涉及到的单位')
    >>> item_label("2023年向民间资本推介项目", 1) is None
    True
    """
    match = _LABEL.match(line)
    if not match or int(match.group("num")) != expected:
        return None
    return line[:match.end()].strip(), line[match.end():]


def merge_items(cells: list[Cell]) -> tuple[tuple[Item, ...], tuple[LayoutNote, ...]]:
    """Items of one column of a task, from the cells of its physical rows in order."""
    drafts: list[_Draft] = []
    seen: set[str] = set()
    notes: list[LayoutNote] = []
    for index, cell in enumerate(cells):
        for number, raw in cell.lines:
            line = raw.strip()
            if not line:
                continue
            if index > 0 and line in seen:
                notes.append(LayoutNote(number, "item repeated on the continued row of a page split"))
                continue
            seen.add(line)
            label = item_label(line, len(drafts) + 1)
            if label is not None:
                drafts.append(_Draft(len(drafts) + 1, label[0], [label[1].strip()], [line], [number]))
            elif drafts:
                drafts[-1].parts.append(line)
                drafts[-1].source.append(line)
                drafts[-1].lines.append(number)
            else:
                drafts.append(_Draft(1, None, [line], [line], [number]))
    return tuple(_item(d) for d in drafts), tuple(notes)


def _item(draft: _Draft) -> Item:
    return Item(ordinal=draft.ordinal, label=draft.label, text="".join(draft.parts),
                source_text="\n".join(draft.source), spans=_spans(draft.lines))


def _spans(lines: list[int]) -> tuple[LineSpan, ...]:
    """Consecutive line numbers as spans: [179, 193] → L179, L193."""
    spans: list[LineSpan] = []
    for n in sorted(lines):
        if spans and n == spans[-1].end + 1:
            spans[-1] = LineSpan(spans[-1].start, n)
        else:
            spans.append(LineSpan(n, n))
    return tuple(spans)
