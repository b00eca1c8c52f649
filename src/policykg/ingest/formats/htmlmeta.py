"""What a portal page says of its document: title, issuer, date, 文号.

The document's text often lacks its header — a portal shows the plan, while the
通知 that issued it, its issuer and its date sit in the page around it: a
metadata table (索引号 / 发文机关 / 成文日期 / 发文字号, the labels are data in
``lexicon/html_pages.toml``), the publishing system's ``<meta>`` tags
(``ArticleTitle``, ``PubDate``, ``ContentSource``) and the ``<title>``. These
become the document's metadata, which fills only what the text does not say.

The labels come in many markups: ``<td>发文机关：</td><td>X</td>``,
``<li><b>发文机关</b>：X</li>``, or several on one line (``索引号：… 发布机构：…``);
so the page outside the document is read as a sequence of text pieces, and a
label's value is the rest of its piece, else the next piece.
"""

from __future__ import annotations

import re
from datetime import date

_DATE = re.compile(r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})")
_ORG = re.compile(r"(人民政府|政府|办公室|办公厅|委员会|领导小组|国务院|局|厅|委|部|办|院|会)$")
_ISSUER_IN_TITLE = re.compile(r"^(?P<issuer>[^，。；：:]{2,60}?)关于")
_SPACES = re.compile(r"[\s\u3000]+")
_KEYS = ("title", "issuer", "date", "published", "doc_number")


def page_metadata(root, container, rules: dict) -> dict[str, str]:
    """``title``, ``issuer``, ``date`` (``YYYY-MM-DD``), ``doc_number`` of the page, as found.

    >>> from lxml import html
    >>> page = html.fromstring('<html><head><title>关于X的通知_政策文件_某市</title></head><body>'
    ...     '<table><tr><td>发文机关：</td><td>某市人民政府</td><td>成文日期：</td><td>2021年09月15日</td></tr>'
    ...     '<tr><td>发文字号</td><td>某政发〔2021〕5号</td></tr></table><div id="zoom">…</div></body></html>')
    >>> from policykg.ingest.formats.html import page_rules
    >>> sorted(page_metadata(page, page.get_element_by_id("zoom"), page_rules()).items())
    [('date', '2021-09-15'), ('doc_number', '某政发〔2021〕5号'), ('issuer', '某市人民政府'), ('title', '关于X的通知')]
    """
    labels = labelled_values(_pieces(root, container), rules["metadata"])
    metas = _meta_tags(root)
    spec = rules["metadata"]
    title = (labels.get("title") or _first(metas, spec["meta_title"])
             or _page_title(root, rules["metadata"]["title_separators"]))
    issuer = labels.get("issuer") or _issuer_in(title) or _org(_first(metas, spec["meta_issuer"]))
    when = _iso(labels.get("date")) or _iso(labels.get("published")) or _iso(_first(metas, spec["meta_date"]))
    return {k: v for k, v in (("title", title), ("issuer", issuer), ("date", when),
                              ("doc_number", labels.get("doc_number"))) if v}


def labelled_values(pieces: list[str], spec: dict) -> dict[str, str]:
    """Label → value over the page's text pieces (the first value of each key wins).

    >>> spec = {"title": [], "issuer": ["发布机构"], "date": [], "published": [], "doc_number": ["文号"], "other": ["索引号"]}
    >>> labelled_values(["索引号：001 发布机构：某市政府办公厅", "文　号", "某政办发〔2022〕3号"], spec)
    {'issuer': '某市政府办公厅', 'doc_number': '某政办发〔2022〕3号'}
    """
    names = {label: key for key in _KEYS + ("other",) for label in spec.get(key, ())}
    pattern = re.compile("(%s)[\\s\u3000]*[:：]" % "|".join(
        "[\\s\u3000]*".join(map(re.escape, label)) for label in sorted(names, key=len, reverse=True)))
    found: dict[str, str] = {}
    for i, piece in enumerate(pieces):
        bare = _SPACES.sub("", piece).rstrip(":：")
        if bare in names:                                  # a label alone: its value is the next piece
            value = pieces[i + 1] if i + 1 < len(pieces) else ""
            if _SPACES.sub("", value).rstrip(":：") not in names:
                found.setdefault(names[bare], _value(value))
            continue
        marks = list(pattern.finditer(piece))
        for j, mark in enumerate(marks):
            end = marks[j + 1].start() if j + 1 < len(marks) else len(piece)
            value = piece[mark.end():end].strip() or (pieces[i + 1] if j + 1 == len(marks) and i + 1 < len(pieces)
                                                      else "")
            key = names[_SPACES.sub("", mark.group(1))]
            if value and _SPACES.sub("", value).rstrip(":：") not in names:
                found.setdefault(key, _value(value))
    return {k: v for k, v in found.items() if k != "other" and v}


def _value(text: str) -> str:
    return _SPACES.sub(" ", text.lstrip(":： \u3000")).strip()


def _pieces(root, container) -> list[str]:
    """The page's text outside the document, one piece per text node, in order."""
    inside = set(container.iter()) if container is not None else set()
    pieces: list[str] = []
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag == "title":
            continue
        if element not in inside and element.text and element.text.strip():
            pieces.append(element.text.strip())
        parent = element.getparent()
        if element.tail and element.tail.strip() and (parent is None or parent not in inside):
            pieces.append(element.tail.strip())
    return pieces


def _meta_tags(root) -> dict[str, str]:
    return {(m.get("name") or "").lower(): (m.get("content") or "").strip()
            for m in root.iter("meta") if m.get("name") and (m.get("content") or "").strip()}


def _first(metas: dict[str, str], names: list[str]) -> str | None:
    return next((metas[n.lower()] for n in names if metas.get(n.lower())), None)


def _page_title(root, separators: str) -> str | None:
    title = root.find(".//title")
    text = _SPACES.sub(" ", title.text_content()).strip() if title is not None else ""
    first = re.split(separators, text)[0].strip() if text else ""
    return first if len(first) >= 4 else None


def _issuer_in(title: str | None) -> str | None:
    """The issuer of 「某市人民政府关于印发…的通知」: the body before 关于, when it names an organ."""
    match = _ISSUER_IN_TITLE.match(title or "")
    return _org(match.group("issuer")) if match else None


def _org(text: str | None) -> str | None:
    text = (text or "").strip()
    return text if text and len(text) <= 40 and _ORG.search(text) else None


def _iso(text: str | None) -> str | None:
    match = _DATE.search(text or "")
    if match is None:
        return None
    try:
        return date(*(int(g) for g in match.groups())).isoformat()
    except ValueError:
        return None
