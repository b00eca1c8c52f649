"""The document header: issuer, notice title, recipients, date, publicity, title.

A 通知 that issues a policy puts these in a fixed order before the first
section (一、…). We read them by their shape (a date line, a （…） note, a line
ending in ：) rather than by line number, so a reflowed copy still reads.
"""

from __future__ import annotations

import re
from datetime import date

from ..errors import StructureError
from ..model import Block, DocumentHeader, LineSpan
from .references import find_references

_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
_ISSUED_TITLE = re.compile(r"《(?P<title>[^《》]+)》")


def extract_header(blocks: list[Block], path: str) -> DocumentHeader:
    """Header fields from the blocks before the first section heading."""
    front = _before_first_section(blocks)
    if not front:
        raise StructureError("no header before the first section (一、…)", path=path, line=1)
    spans: dict[str, LineSpan] = {}
    issuer = front[0]
    spans["issuer"] = issuer.span
    notice = _first(front, lambda b: "通知" in b.text and "《" in b.text)
    title_in_notice = _ISSUED_TITLE.search(notice.text).group("title") if notice else None
    if notice:
        spans["notice_title"] = notice.span
    recipients = _first(front, lambda b: b.kind == "salutation")
    if recipients:
        spans["recipients"] = recipients.span
    approval = _first(front, lambda b: "审议通过" in b.text or "印发给你们" in b.text)
    if approval:
        spans["approval"] = approval.span
    dated = _first(front, lambda b: b.kind == "date")
    if dated is None:
        raise StructureError("no issue date (YYYY年M月D日) in the header", path=path,
                             line=front[-1].span.end)
    spans["issued"] = dated.span
    year, month, day = (int(g) for g in _DATE.match(dated.text).groups())
    for block in front:
        if block is not issuer and block.text == issuer.text and block.span.start < dated.span.start:
            spans["signature"] = block.span
    publicity = _first(front, lambda b: b.kind == "note" and "公开" in b.text)
    if publicity:
        spans["publicity"] = publicity.span
    title = _first(front, lambda b: b.text == title_in_notice) if title_in_notice else None
    if title is None:
        title = _first(front, lambda b: b.span.start > dated.span.start and b.kind == "paragraph")
    if title is None:
        raise StructureError("no document title after the header", path=path, line=dated.span.end)
    spans["title"] = title.span
    preamble = _first(front, lambda b: b.span.start > title.span.start)
    implements = ()
    if preamble:
        spans["preamble"] = preamble.span
        implements = find_references(preamble.text, preamble.span, exclude=title.text)
    attachment_title = None
    for i, block in enumerate(blocks):
        if block.kind == "attachment" and i + 1 < len(blocks):
            spans["attachment"] = block.span
            spans["attachment_title"] = blocks[i + 1].span
            attachment_title = blocks[i + 1].text
    header = DocumentHeader(
        issuer=issuer.text, notice_title=notice.text if notice else title.text, title=title.text,
        issued=date(year, month, day), recipients=recipients.text.rstrip("：:") if recipients else "",
        approval=approval.text if approval else None,
        publicity=publicity.text.strip("（）()") if publicity else None,
        attachment_title=attachment_title, implements=implements, spans=spans)
    return header


def _before_first_section(blocks: list[Block]) -> list[Block]:
    out = []
    for block in blocks:
        if block.kind == "section":
            break
        out.append(block)
    return out


def _first(blocks: list[Block], test) -> Block | None:
    return next((b for b in blocks if test(b)), None)
