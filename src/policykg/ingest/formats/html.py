"""Government portal pages: the document found inside the page, the site left out.

A policy published on a portal is one ``<div>`` of a page full of site chrome
(menus, breadcrumbs, 字号 大 中 小, 打印本页 / 关闭窗口, related links, a footer
with 网站标识码 and ICP备案). The page is read as bytes, so its declared charset
is honoured; the document is the first known content container
(``lexicon/html_pages.toml``: ``TRS_Editor``, ``#UCAP-CONTENT``, ``#zoom`` …),
else the block of running text found by text density; chrome inside it and
whole lines of page furniture are dropped by the same data; files the page
offers (附件下载) become attachments. The page's metadata table (索引号,
发文机关, 成文日期, 发文字号), its ``<meta>`` tags and ``<title>`` give the
header what the document's text does not say (:mod:`.htmlmeta`).

Traps met: GB2312 and GBK pages hold characters only GB18030 has (decode every
GB family charset as GB18030); a page may declare UTF-8 and be GBK, or the
reverse (the declaration is tried first, then the bytes decide, strictly);
lxml refuses a ``str`` with an XML encoding declaration (strip it); a TRS
content ``div`` starts with an inline ``<style>`` block whose CSS would
otherwise be the first "paragraph"; ``&nbsp;`` spacer paragraphs; a table used
for page layout (one cell, or tables inside tables) is not a data table.
"""

from __future__ import annotations

import codecs
import re
import tomllib
from functools import lru_cache
from pathlib import Path

from policykg.errors import InputError
from policykg.ingest.formats.htmlflow import Flow, element_text, is_hidden
from policykg.ingest.formats.htmlmeta import page_metadata
from policykg.ingest.formats.render import Rendering
from policykg.model import SourceText
from policykg.resources import lexicon_path

_META_CHARSET = re.compile(rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)"""
                           rb"""|^\s*<\?xml[^>]{0,100}?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_GB = {"gb2312", "gbk", "x-gbk", "gb_2312-80", "gb_2312", "cp936", "ms936", "windows-936", "gb18030", "euc-cn",
       "csgb2312", "chinese", "iso-ir-58"}
_BOM = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
              "form", "input", "select", "button", "textarea", "map", "audio", "video")


@lru_cache(maxsize=1)
def page_rules() -> dict:
    """``lexicon/html_pages.toml``, with its patterns compiled."""
    with lexicon_path("html_pages.toml").open("rb") as fh:
        data = tomllib.load(fh)
    chrome, attach = data["chrome"], data["attachments"]
    return {**data, "chrome_elements": [re.compile(p, re.I) for p in chrome["elements"]],
            "chrome_lines": [re.compile(p, re.I) for p in chrome["lines"]],
            "attachment_label": re.compile(attach["labels"]),
            "attachment_elements": re.compile(attach["elements"], re.I),
            "file_link": re.compile(r"\.(%s)(?:$|[?#])" % "|".join(attach["extensions"]), re.I)}


def read(path: Path, data: bytes) -> SourceText:
    """The reader's contract (:mod:`policykg.ingest.formats`) for a web page."""
    text, encoding = decode_page(data, str(path))
    root = parse_page(text, str(path))
    rules = page_rules()
    container, how = find_content(root, rules)
    if container is None:
        raise InputError("no document found in the page: no known content container and no block of running "
                         "text (an index, search or error page?)", path=str(path),
                         hint="save the page of the document itself, or add its container to lexicon/html_pages.toml")
    rendering = Rendering()
    flow = Flow(rendering, rules)
    flow.render(container)
    attachments = flow.attachments + tuple(a for a in page_attachments(root, container, rules)
                                           if a not in flow.attachments)
    notes = () if how == "container" else ("no known content container: the document was found by text density",)
    return rendering.source(path, data, format="html", reader="html", encoding=encoding,
                            metadata=page_metadata(root, container, rules), attachments=attachments, notes=notes)


def decode_page(data: bytes, path: str) -> tuple[str, str]:
    """The page as text: the BOM, else the declared charset, else the bytes (UTF-8, then GB18030); strictly.

    >>> decode_page('<meta charset="gb2312"><p>镕</p>'.encode("gb18030"), "x.html")[1]
    'gb18030'
    >>> decode_page('<?xml version="1.0" encoding="GBK"?><html><p>镕</p></html>'.encode("gbk"), "x.xhtml")[1]
    'gb18030'
    """
    for bom, encoding in _BOM:
        if data.startswith(bom):
            return _strict(data, encoding, path), encoding
    declared = _declared(data)
    tried = [declared] if declared else []
    tried += [e for e in ("utf-8", "gb18030") if e not in tried]
    for encoding in tried:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return _strict(data, tried[0], path), tried[0]       # raises, naming the line


def _declared(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:8192])
    if match is None:
        return None
    name = (match.group(1) or match.group(2)).decode("ascii", "replace").lower()
    if name in _GB:
        return "gb18030"
    if name.startswith("big5"):
        return "big5hkscs"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _strict(data: bytes, encoding: str, path: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"the page is not valid {encoding} (nor UTF-8, nor GB18030) text",
                         path=path, line=data.count(b"\n", 0, exc.start) + 1,
                         hint="save the page again from the browser") from None


def parse_page(text: str, path: str):
    """The page's element tree (lxml, with source lines), comments and processing instructions dropped."""
    from lxml import etree, html
    text = _XML_DECL.sub("", text, count=1).replace("\x00", "")
    if not text.strip():
        raise InputError("the page is empty", path=path)
    parser = html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
    try:
        root = html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"cannot parse the page as HTML ({exc})", path=path) from None
    for element in list(root.iter(*_DROP_TAGS)):
        if element.getparent() is not None:
            element.drop_tree()                   # keeps the tail text in place
    return root


def find_content(root, rules: dict):
    """The element that holds the document and how it was found: ``("container" | "density")``."""
    minimum = rules["content"]["min_chars"]
    for selector in rules["content"]["containers"]:
        matches = [e for e in root.xpath(selector_xpath(selector)) if not is_hidden(e)]
        best = max(matches, key=lambda e: len(element_text(e, links=False)), default=None)
        if best is not None and len(element_text(best, links=False)) >= minimum:
            return best, "container"
    best = _densest(root)
    if best is not None and len(element_text(best, links=False)) >= minimum:
        return best, "density"
    return None, ""


def selector_xpath(selector: str) -> str:
    """``div.TRS_Editor`` → an XPath (class as a whole token, as CSS matches it).

    >>> selector_xpath("#zoom"), selector_xpath("div.TRS_Editor")
    ("//*[@id='zoom']", "//div[contains(concat(' ', normalize-space(@class), ' '), ' TRS_Editor ')]")
    """
    match = re.fullmatch(r"([A-Za-z][A-Za-z0-9]*)?(?:([.#])([A-Za-z0-9_:-]+))?", selector.strip())
    if match is None or not (match.group(1) or match.group(2)):
        raise ValueError(f"lexicon/html_pages.toml: unsupported selector {selector!r}")
    tag, kind, name = match.groups()
    test = "" if kind is None else (f"[@id='{name}']" if kind == "#" else
                                    f"[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]")
    return f"//{tag or '*'}{test}"


def _densest(root):
    """The element whose paragraphs hold the most running text (links aside), Readability's way:
    each paragraph's text counts for its parent and half for its grandparent."""
    scores: dict = {}
    for p in root.iter("p", "br", "td", "li", "pre"):
        text = element_text(p, links=False) if p.tag != "br" else (p.tail or "")
        if len(text.strip()) < 10:
            continue
        parent = p.getparent()
        for element, weight in ((parent, 1.0), (parent.getparent() if parent is not None else None, 0.5)):
            if element is not None and element.tag not in ("html", "body"):
                scores[element] = scores.get(element, 0.0) + weight * len(text)
    if not scores:
        return None
    return max(scores, key=lambda e: (scores[e], -e.sourceline if e.sourceline else 0))


def page_attachments(root, container, rules: dict) -> tuple[tuple[str, str], ...]:
    """File links in the page's attachment areas outside the document (附件下载 lists)."""
    found: list[tuple[str, str]] = []
    for element in root.iter():
        if not isinstance(element.tag, str) or element is container:
            continue
        marks = f"{element.get('class', '')} {element.get('id', '')}"
        if not rules["attachment_elements"].search(marks):
            continue
        for link in element.iter("a"):
            href = (link.get("href") or "").strip()
            if rules["file_link"].search(href):
                item = (" ".join(element_text(link).split()) or href.rsplit("/", 1)[-1], href)
                if item not in found:
                    found.append(item)
    return tuple(found)
