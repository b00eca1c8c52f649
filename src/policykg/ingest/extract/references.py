"""Documents named in 《…》, with their 文号 and what the sentence does with them.

>>> [(r.title, r.number, r.relation) for r in find_references(
...     "全面落实《关于推进技工教育提质增量行动的实施方案》（温委办发〔2023〕58号），", LineSpan(1, 1))]
[('关于推进技工教育提质增量行动的实施方案', '温委办发〔2023〕58号', 'cites')]
"""

from __future__ import annotations

import re

from policykg.model import DocumentReference, LineSpan

_TITLE = re.compile(r"《(?P<title>[^《》]+)》(?:[（(](?P<number>[^（）()]*〔\d{4}〕\s*\d+\s*号)[）)])?")

#: Verbs just before 《 that say the document is still to be written.
PRODUCE_VERBS = ("制定", "出台", "编制", "制订", "形成", "研究制定", "细化形成", "拟订")
#: Verbs that say the sentence acts on an existing document.
CITE_VERBS = ("根据", "落实", "贯彻", "按照", "依据", "执行", "对照", "贯彻落实", "严格落实",
              "全面落实", "进一步落实好", "深入贯彻落实", "配合开展", "相关立法", "精神")
_WINDOW = 8


def find_references(text: str, span: LineSpan, *, exclude: str | None = None) -> tuple[DocumentReference, ...]:
    """Every 《…》 in ``text`` (except the document's own title ``exclude``)."""
    refs: list[DocumentReference] = []
    for match in _TITLE.finditer(text):
        title = match.group("title").strip()
        if title == exclude:
            continue
        before = text[max(0, match.start() - _WINDOW):match.start()]
        refs.append(DocumentReference(title=title, number=match.group("number"),
                                      relation=_relation(before, text, match.start()), span=span))
    return tuple(refs)


def _relation(before: str, text: str, start: int) -> str:
    # 《A》《B》 chains share the verb before the first title
    while before.endswith("》"):
        chain_start = text.rfind("《", 0, start - 1)
        start = chain_start if chain_start >= 0 else 0
        before = text[max(0, start - _WINDOW):start]
    if any(before.endswith(v) or v in before[-4:] for v in PRODUCE_VERBS):
        return "produces"
    if any(v in before for v in CITE_VERBS):
        return "cites"
    return "mentions"
