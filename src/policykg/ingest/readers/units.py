"""The unit cells of task tables: a ``*``-marked list, or separate lead / co columns.

Notes in running text (（责任单位：…）, （X牵头，Y配合） …) are read by the note
grammars of :mod:`.notes`; a table cell is simpler and keeps its own two readers,
both on the table path (:mod:`policykg.ingest.extract.tasks`,
:mod:`policykg.ingest.extract.table_records`).
"""

from __future__ import annotations

import re

from policykg.model import Assignment

LEAD_MARKS = "*＊"
_SEPARATORS = re.compile(r"[、，,；;/\s]+")


def split_units(text: str) -> list[str]:
    """Unit names in a list, as written (marks kept).

    >>> split_units("*市财政局、市发改局，市经信局")
    ['*市财政局', '市发改局', '市经信局']
    """
    return [u for u in _SEPARATORS.split(text.strip()) if u]


def read_star(text: str) -> Assignment:
    """``*`` marks the lead unit(s); a list without any mark and one unit: it leads.

    >>> read_star("*市财政局、市发改局").lead
    ('市财政局',)
    >>> read_star("市税务局").lead
    ('市税务局',)
    """
    names = split_units(text)
    lead = tuple(n.lstrip(LEAD_MARKS) for n in names if n[0] in LEAD_MARKS)
    others = tuple(n for n in names if n[0] not in LEAD_MARKS)
    if not lead and len(others) == 1:
        return Assignment(lead=others, co=(), joint=(), reader="star", text=text)
    if not lead:
        return Assignment(lead=(), co=(), joint=others, reader="star", text=text)
    return Assignment(lead=lead, co=others, joint=(), reader="star", text=text)


def read_columns(lead_text: str, co_text: str) -> Assignment:
    """Separate 牵头单位 and 配合单位 columns."""
    return Assignment(lead=tuple(n.lstrip(LEAD_MARKS) for n in split_units(lead_text)),
                      co=tuple(split_units(co_text)), joint=(), reader="columns",
                      text=f"{lead_text}\n{co_text}")
