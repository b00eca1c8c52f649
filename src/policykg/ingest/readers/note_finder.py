"""Finding responsibility notes in a paragraph: the parentheticals that read as notes.

A note is a balanced （…）/(…) whose body the note grammar reads as a unit list with a
label or a closing verb (:func:`.notes.is_note`), outside 《》 and quotes.

>>> [n.text for n in find_notes("建成平台（0.5分）（6月底完成，牵头考核单位：市工信局）。")]
['（6月底完成，牵头考核单位：市工信局）']
"""

from __future__ import annotations

import re
from functools import lru_cache

from policykg.ingest.readers.notes import Note, config, is_note

_NO_BRACKET = r"[^（()）]"


@lru_cache(maxsize=1)
def _candidate_re() -> re.Pattern[str]:
    """A balanced parenthetical with at most one level of brackets inside it."""
    n = config().max_note
    return re.compile(rf"[（(](?:{_NO_BRACKET}|[（(]{_NO_BRACKET}{{0,{n}}}[）)]){{0,{n}}}[）)]")


_INNER = re.compile(rf"[（(]{_NO_BRACKET}*[）)]")
#: a parenthetical inside a title or a quotation is not a note
_ENCLOSURES = (("《", "》", "》"), ("“", "”", "”\""), ("「", "」", "」"))
_ENCLOSURE_SPAN = 200


def _enclosed(text: str, start: int, stop: int) -> bool:
    """True when text[start:stop] stands inside 《…》 or quotes on its own line."""
    lo = max(0, start - _ENCLOSURE_SPAN)
    lo = max(lo, text.rfind("\n", lo, start) + 1)
    for open_, close, closers in _ENCLOSURES:
        opened = text.rfind(open_, lo, start)
        if opened == -1:
            continue
        if max(text.rfind(c, opened, start) for c in closers) > opened:
            continue
        hi = min(len(text), stop + _ENCLOSURE_SPAN)
        newline = text.find("\n", stop, hi)
        hi = newline if newline != -1 else hi
        if any(text.find(c, stop, hi) != -1 for c in closers):
            return True
    return False


def find_notes(text: str) -> list[Note]:
    """Every responsibility note in ``text``, in order (outermost; notes never nest).

    A note is a balanced （…）/(…) of at most ``max_note_chars`` characters
    (one level of brackets inside allowed: （各县（市、区）人民政府负责）),
    outside 《》 and quotes, whose body reads as a unit list with a label or a
    closing verb (:func:`is_note`). Linear in ``len(text)``: candidates come
    from one regular-expression scan and each is read once.

    >>> text = "推进（RCEP）落地（省商务厅牵头，合肥海关配合）。执行《方案（试行）》（合肥海关负责）"
    >>> [n.text for n in find_notes(text)]
    ['（省商务厅牵头，合肥海关配合）', '（合肥海关负责）']
    """
    config()
    notes: list[Note] = []
    for m in _candidate_re().finditer(text):
        found = _note_at(text, m.start(), m.end())
        if found is not None:
            notes.append(found)
            continue
        if m.end() - m.start() > 2:  # an outer parenthetical that is not a note: look inside
            for inner in _INNER.finditer(text, m.start() + 1, m.end() - 1):
                found = _note_at(text, inner.start(), inner.end())
                if found is not None:
                    notes.append(found)
    return notes


def _note_at(text: str, start: int, stop: int) -> Note | None:
    body = text[start:stop]
    if stop - start > config().max_note or not is_note(body) or _enclosed(text, start, stop):
        return None
    return Note(start, stop, body)
