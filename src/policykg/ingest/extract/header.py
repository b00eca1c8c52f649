"""The document header: issuer, notice title, recipients, date, publicity, title.

A 通知 that issues a policy puts these in a fixed order before the first
section (一、…). We read them by their shape (a date line, a （…） note, a line
ending in ：) rather than by line number, so a reflowed copy still reads.

Documents as found are less tidy: the date sits at the end or in the 印发
line, the 文号 in brackets, export lines (【法宝引证码】, 原文链接：) come first,
a State Council opinion has no 通知 and no title line of its own, an extract
has no header at all. :func:`extract_header` reads the tidy 通知 first and, when
that shape is not there, falls back on :func:`loose_header`, which takes what
it finds and leaves the rest ``None``; it never refuses a document.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from policykg.errors import StructureError
from policykg.model import Block, DocumentHeader, LineSpan
from policykg.ingest.extract.references import find_references

_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
_ISSUED_TITLE = re.compile(r"《(?P<title>[^《》]+)》")


def extract_header(blocks: list[Block], path: str, metadata: dict[str, str] | None = None) -> DocumentHeader:
    """The tidy 通知 header when the document has one, else what can be found;
    fields the text leaves out are taken from the collection's sidecar (``metadata``)."""
    try:
        header = notice_header(blocks, path)
    except StructureError:
        header = loose_header(blocks, path)
    return with_metadata(header, metadata or {})


def with_metadata(header: DocumentHeader, metadata: dict[str, str]) -> DocumentHeader:
    """Fill what the text does not say from the sidecar; never overrule the text.

    >>> h = loose_header([], "x/13.txt")
    >>> h2 = with_metadata(h, {"issuer": "济南市人民政府", "date": "2021-09-15", "title": "方案"})
    >>> h2.issuer, h2.issued.isoformat(), h2.title, h2.from_sidecar
    ('济南市人民政府', '2021-09-15', '方案', ('issuer', 'issued', 'title'))
    """
    changes: dict = {}
    if header.issuer is None and metadata.get("issuer"):
        changes["issuer"] = metadata["issuer"]
    if header.issued is None and metadata.get("date"):
        try:
            changes["issued"] = date.fromisoformat(metadata["date"])
        except ValueError:
            pass
    if header.title_from_file and metadata.get("title"):
        changes.update(title=metadata["title"], title_from_file=False)
    if header.doc_number is None and metadata.get("doc_number"):
        changes["doc_number"] = metadata["doc_number"]
    if not changes:
        return header
    taken = tuple(k for k in ("issuer", "issued", "title", "doc_number") if k in changes)
    return replace(header, **changes, from_sidecar=taken)


def notice_header(blocks: list[Block], path: str) -> DocumentHeader:
    """Header fields of a 通知 whose date and title precede the first section."""
    front = _before_first_section(blocks)
    if not front:
        raise StructureError("no header before the first section (一、…)", path=path, line=1)
    spans: dict[str, LineSpan] = {}
    issuer = front[0]
    if _EXPORT.match(issuer.text) or not _ORG.search(issuer.text):
        raise StructureError("the first line is not an issuing body", path=path, line=issuer.span.start)
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


# ---------------------------------------------------------------- documents as found

_EXPORT = re.compile(r"^(【法宝引证码】|原文链接[:：]|来源[:：]|发布日期[:：]|【[^】]{1,12}】)")
_DOC_NUMBER = re.compile(r"^[（(]?(?P<number>[\u4e00-\u9fff]{1,12}[〔\[［(（]\d{4}[〕\]］)）]\s*\d+\s*号)[）)]?$")
_DATE_ANYWHERE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日(?:印发|发布|起施行)?")
_ISSUED_LINE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日(?:印发|发布)")
_NOTICE = re.compile(r"^(?P<issuer>.*?)关于(?:印发|转发)?(?P<body>.+?)的(?:通知|函|批复)$")
_ABOUT = re.compile(r"^(?P<issuer>[^，。；：]{2,40}?)关于(?P<body>[^，。；：]+)$")
_KIND = re.compile(r"(通知|意见|方案|办法|规划|计划|措施|举措|决定|规定|细则|纲要|要点|指引|清单|条例|政策|（\d{4}[-—–]\d{4}年?）|\(\d{4}[-—–]\d{4}年?\))$")
_ORG = re.compile(r"(人民政府|政府|办公室|办公厅|委员会|领导小组|小组|国务院|局|厅|委|部|办)$")
_SECTION_START = re.compile(r"^(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十]+[章条部分])")


def loose_header(blocks: list[Block], path: str) -> DocumentHeader:
    """Whatever header a document as found has: never raises.

    >>> from policykg.model import Block, LineSpan
    >>> b = [Block("paragraph", "国务院关于做好当前和今后一个时期", LineSpan(1, 1)),
    ...      Block("paragraph", "促进就业工作的若干意见", LineSpan(2, 2)),
    ...      Block("paragraph", "国发〔2018〕39号", LineSpan(3, 3)),
    ...      Block("salutation", "各省、自治区、直辖市人民政府：", LineSpan(4, 4)),
    ...      Block("section", "一、支持企业稳定发展", LineSpan(5, 5)),
    ...      Block("date", "2018年11月16日", LineSpan(9, 9))]
    >>> h = loose_header(b, "x/05.txt")
    >>> h.issuer, h.title, h.doc_number, h.issued.isoformat()
    ('国务院', '国务院关于做好当前和今后一个时期促进就业工作的若干意见', '国发〔2018〕39号', '2018-11-16')
    """
    front = [b for b in _front(blocks) if not _EXPORT.match(b.text)]
    spans: dict[str, LineSpan] = {}
    for i, block in enumerate(b for b in _front(blocks) if _EXPORT.match(b.text)):
        spans[f"export{i + 1}"] = block.span
    number = _first(front, lambda b: _DOC_NUMBER.match(b.text) is not None)
    if number:
        spans["doc_number"] = number.span
    notice, notice_spans = _notice(front)
    title = issuer = None
    if notice:
        spans.update(notice_spans)
        match = _NOTICE.match(notice) or _ABOUT.match(notice)
        if match and match.group("issuer"):
            issuer = match.group("issuer")
        inner = _ISSUED_TITLE.search(notice)
        if inner:
            title = inner.group("title")
        elif _NOTICE.match(notice):
            title = _NOTICE.match(notice).group("body").removeprefix("印发")
        else:
            title = notice
    recipients = _first(front, lambda b: b.kind == "salutation" and b.span.start < _first_paragraph_line(front))
    if recipients:
        spans["recipients"] = recipients.span
    issued, dated = _issue_date(blocks, front)
    if dated is not None:
        spans["issued"] = dated.span
        signer = _signature_before(blocks, dated)
        if signer is not None:
            spans["signature"] = signer.span
            issuer = issuer or signer.text
    if title is not None:
        titled = _first(front, lambda b: same_title(b.text, title) and b.span.start not in
                        spans.get("notice_title", LineSpan(1, 1)).lines())
        if titled is not None:
            title, spans["title"] = titled.text, titled.span       # the title as the document writes it
    else:
        titled = _first(front, _looks_like_title)
        if titled is not None:
            title, spans["title"] = titled.text, titled.span
    if issuer is None and front and _ORG.search(front[0].text) and len(front[0].text) <= 40:
        issuer, spans["issuer"] = front[0].text, front[0].span
    approval = _first(front, lambda b: "印发给你们" in b.text or "审议通过" in b.text)
    if approval:
        spans["approval"] = approval.span
    taken = {n for span in spans.values() for n in span.lines()}
    preamble = _first(front, lambda b: b.span.start not in taken and b.kind in ("paragraph", "salutation")
                      and (len(b.text) > 60 or b.text.endswith("。")))
    if preamble:
        spans["preamble"] = preamble.span
    from_file = title is None
    implements: tuple = ()
    for block in (approval, preamble):
        if block is not None:
            implements += find_references(block.text, block.span, exclude=title or "")
    return DocumentHeader(
        issuer=issuer, notice_title=notice or title or "", title=title or _stem(path),
        issued=issued, recipients=recipients.text.rstrip("：:") if recipients else "",
        approval=approval.text if approval else None, publicity=None, attachment_title=None,
        implements=implements,
        spans=spans, doc_number=_DOC_NUMBER.match(number.text).group("number") if number else None,
        title_from_file=from_file)


def _front(blocks: list[Block]) -> list[Block]:
    """Blocks before the first section heading or numbered item (at most the first 40)."""
    out = []
    for block in blocks[:40]:
        if _SECTION_START.match(block.text) or block.kind == "subsection":
            break
        out.append(block)
    return out


def _first_paragraph_line(front: list[Block]) -> int:
    body = _first(front, lambda b: b.kind == "paragraph" and len(b.text) > 60)
    return body.span.start if body else 10 ** 9


def _notice(front: list[Block]) -> tuple[str | None, dict[str, LineSpan]]:
    """The 通知/意见 title line, joined when it was broken over two lines."""
    for i, block in enumerate(front[:8]):
        text = block.text
        if len(text) > 120 or "。" in text:
            continue
        if "关于" in text and not _KIND.search(text) and i + 1 < len(front):
            nxt = front[i + 1]
            if len(nxt.text) <= 60 and _KIND.search(nxt.text) and "。" not in nxt.text:
                return text + nxt.text, {"notice_title": LineSpan(block.span.start, nxt.span.end)}
        if "关于" in text and _KIND.search(text):
            end = block.span.end
            if i + 1 < len(front) and same_title(front[i + 1].text, text):
                end = front[i + 1].span.end          # an export repeats the title line
            return text, {"notice_title": LineSpan(block.span.start, end)}
    return None, {}


def same_title(a: str, b: str) -> bool:
    """Two spellings of one title: brackets of either width, 《》 or not, spaces.

    >>> same_title("关于对接《协定》（RCEP）规则的意见", "关于对接协定(RCEP)规则的意见")
    True
    """
    def flat(text: str) -> str:
        return re.sub(r"[\s《》〈〉<>“”\"]", "", text).replace("（", "(").replace("）", ")").replace("—", "-")
    return flat(a) == flat(b)


def _issue_date(blocks: list[Block], front: list[Block]):
    """The date line in the header, else the last one of the document (a date at
    the end), else a date written in a 印发 line."""
    dated = _first(front, lambda b: b.kind == "date")
    if dated is None:
        dates = [b for b in blocks if b.kind == "date"]
        dated = dates[-1] if dates else None
    if dated is not None:
        match = _DATE.match(dated.text)
        return _safe_date(*match.groups()), dated
    for block in blocks:
        match = _ISSUED_LINE.search(block.text)
        if match:
            return _safe_date(*match.groups()), block
    return None, None


def _safe_date(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _signature_before(blocks: list[Block], dated: Block) -> Block | None:
    before = [b for b in blocks if b.span.end < dated.span.start]
    if before and _ORG.search(before[-1].text) and len(before[-1].text) <= 40 and "。" not in before[-1].text:
        return before[-1]
    return None


def _looks_like_title(block: Block) -> bool:
    text = block.text
    return (block.kind == "paragraph" and 4 <= len(text) <= 60 and "。" not in text
            and not _DOC_NUMBER.match(text) and _KIND.search(text) is not None)


def _stem(path: str) -> str:
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0] if "." in name else name
