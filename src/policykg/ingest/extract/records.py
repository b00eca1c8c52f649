"""Responsibility records from running text: one record per note.

Most policies do not carry a table: each numbered measure ends in a note that
says who carries it — （责任单位：…）, （X牵头，Y配合）, （X负责）… — and a
measure may hold several notes, each closing the sentences since the one
before. This stage cuts the running text into such records:

* a paragraph that starts with a number (一、 （一） 1. 1． １． 1﹒ （1） ① or a
  bare ``1突破…``) or follows a finished sentence starts a new item; a line
  that breaks mid-sentence continues the item before it;
* a short line without a note is a heading, kept as the records' context;
* an item is cut after each note (:func:`policykg.ingest.readers.note_finder.find_notes`);
  each piece is a record, read by the note grammar that fits it, with the
  first-is-lead rule (列第一位者为牵头单位，下同) carried forward in reading order;
* in a section whose items carry notes, a numbered item without one is a
  record too — a real measure that names nobody — while sections that assign
  nobody (总体要求, 保障措施 of a 通知 …) are left to the body's provisions.

Records keep their text verbatim (label and note included); the key is the
record's place in the document, made here once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from policykg.model import Block, LineSpan, Record
from policykg.ingest.readers.note_words import alternation, label_roles
from policykg.ingest.readers.note_finder import find_notes
from policykg.ingest.readers.notes import Note, NoteRule, is_note, read_note, states_rule
from policykg.ingest.extract.deadlines import find_deadline
from policykg.ingest.extract.quantities import find_quantities
from policykg.ingest.extract.references import find_references

_CN = "一二三四五六七八九十百"
#: A paragraph's numbering as written; full-width digits and dots included.
LABEL = re.compile(
    rf"^(?:[（(][{_CN}]+[)）]|[{_CN}]+、|第[{_CN}]+[章节条部分]|[（(][0-9０-９]{{1,3}}[)）]|[①-⑳]"
    rf"|[0-9０-９]{{1,3}}[.．、﹒](?![0-9０-９])|[0-9０-９]{{1,2}}(?=[\u4e00-\u9fff])(?![年月日号个项万亿千百十元家户人次倍台套所条多余]))")
_TOP_HEADING = re.compile(rf"^(?:[{_CN}]+、|第[{_CN}]+[章部分])")
_SENTENCE_END = ("。", "；", ";", "！", "？", "：", ":", "）", ")", "」", "”", "\"")
_TRIM = " \t\u3000。；;，,、"
_MIN_TEXT = 6


@dataclass
class _Item:
    """Paragraph blocks that make one measure, and their offsets in its text."""

    blocks: list[Block] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    text: str = ""
    heading: str | None = None
    section: int = 0
    noted: bool = False

    def add(self, block: Block) -> None:
        if self.blocks:
            self.text += "\n"            # the line break as written; offsets stay exact
        self.starts.append(len(self.text))
        self.blocks.append(block)
        self.text += block.text
        self.noted = self.noted or bool(find_notes(block.text)) or bare_note(self.text) is not None

    def span(self, start: int, end: int) -> LineSpan:
        """Lines of the blocks that characters ``start``..``end`` fall in."""
        first = last = 0
        for i, offset in enumerate(self.starts):
            if offset <= start:
                first = i
            if offset < max(end, start + 1):
                last = i
        return LineSpan(self.blocks[first].span.start, self.blocks[last].span.end)


@lru_cache(maxsize=1)
def _unbracketed() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The labels of ``lexicon/note_grammar.toml`` as the two patterns of unbracketed notes.

    * a note written without brackets — 「责任单位：X、Y」 ending a measure or on
      its own line(s) — opens with a label of units (any role but ``deadline``);
    * a line that opens with any label (完成时限：… too) belongs to the note
      above it, not to a new item.

    A label added to the TOML is found here as in bracketed notes.
    """
    roles = label_roles()
    units = alternation(label for label, role in roles.items() if role != "deadline")
    bare = re.compile(rf"(?:^|(?<=[。；;\n]))[ \t\u3000]*((?:{units})[：:][^（）()]*)$")
    return bare, re.compile(rf"^(?:{alternation(roles)})[：:]")


def _label_line(text: str) -> re.Match[str] | None:
    return _unbracketed()[1].match(text)


def bare_note(text: str) -> Note | None:
    r"""The unbracketed note that ends ``text``, as a note the grammars read.

    >>> bare_note("加快建设。\n责任单位：市发改局、市财政局\n完成时限：2023年底").text
    '（责任单位：市发改局、市财政局；完成时限：2023年底）'
    >>> bare_note("加快建设（责任单位：市发改局）。") is None
    True
    """
    match = _unbracketed()[0].search(text[-600:])
    if match is None:
        return None
    clause = match.group(1).rstrip("。；; \n")
    note_text = "（" + re.sub(r"\s*\n\s*", "；", clause) + "）"
    if not is_note(note_text):
        return None
    offset = len(text) - len(text[-600:])
    return Note(offset + match.start(1), len(text), note_text)


def is_heading(text: str) -> bool:
    """A heading: 一、… or 第一章…, or a short line with no note and one sentence.

    >>> is_heading("（一）大力发展货物贸易"), is_heading("专栏7  5G＋工业互联网融合应用工程")
    (True, True)
    >>> is_heading("1.扩大优势产品出口。建立RCEP国别商品税率对比清单。（合肥海关负责）")
    False
    """
    if len(text) > 40 or find_notes(text) or _label_line(text):
        return False
    if _TOP_HEADING.match(text):
        return True
    body = text.rstrip("。")
    return not any(mark in body for mark in "。；;，,")


def label_of(text: str) -> str | None:
    """The numbering a paragraph starts with, as written.

    >>> label_of("1．除涉密…"), label_of("（十二）落实…"), label_of("10强化产业人才支撑"), label_of("2019年1月1日起")
    ('1．', '（十二）', '10', None)
    """
    match = LABEL.match(text)
    return match.group(0) if match else None


def _items(blocks: list[Block]) -> list[_Item]:
    """Group paragraphs into items: a numbered paragraph starts one; an
    unnumbered one continues an item still waiting for its note (the sub-points
    of 「13﹒开展工业互联网新模式推广。」) or a line broken mid-sentence, and else
    starts its own (documents whose measures are not numbered)."""
    items: list[_Item] = []
    heading: str | None = None
    section = 0
    current: _Item | None = None
    for block in blocks:
        text = block.text
        label = label_of(text)
        if is_heading(text):
            if _TOP_HEADING.match(text):
                section += 1
            heading = text
            if label is None or _TOP_HEADING.match(text):
                current = None
                continue
        open_item = current is not None and (not current.noted
                                             or not current.text.rstrip().endswith(_SENTENCE_END)
                                             or _label_line(text) is not None)
        if label is not None or not open_item:
            current = _Item(heading=heading, section=section)
            items.append(current)
        current.add(block)
    return items


def _notes_of(text: str) -> list[Note]:
    """Bracketed notes, and an unbracketed one ending the text."""
    notes = find_notes(text)
    bare = bare_note(text)
    if bare is not None and all(n.end <= bare.start for n in notes):
        notes.append(bare)
    return notes


def extract_records(blocks: list[Block], *, title: str = "", doc_year: int | None = None,
                    first_key: int = 1, issued: date | None = None) -> tuple[tuple[Record, ...], frozenset[int]]:
    """Records of ``blocks`` (running text after the header), and the first
    lines of the blocks they consumed (so the body does not map them again)."""
    items = _items(blocks)
    notes_of = {id(item): _notes_of(item.text) for item in items}     # each item's notes, found once
    noted_sections = {item.section for item in items if notes_of[id(item)]}
    records: list[Record] = []
    consumed: set[int] = set()
    rule = NoteRule()
    for item in items:
        notes = notes_of[id(item)]
        stated = states_rule(item.heading or "") or (None if notes else states_rule(item.text))
        rule = stated or rule
        if not notes and (item.section not in noted_sections or label_of(item.text) is None
                          or (len(item.blocks) == 1 and is_heading(item.text))):
            continue                     # prose of a section that assigns nobody, or a numbered heading
        label = label_of(item.text)
        start = 0
        pieces = []
        for note in notes:
            pieces.append((start, note.end, note))
            start = note.end
        tail = item.text[start:].strip(_TRIM)
        if len(tail) >= _MIN_TEXT:
            pieces.append((start, len(item.text), None))
        for begin, end, note in pieces:
            piece = item.text[begin:end].strip(_TRIM) if note is None else item.text[begin:end].lstrip(_TRIM)
            assignment = None
            if note is not None:
                assignment, rule = read_note(note.text, rule)
            span = item.span(begin, end)
            records.append(Record(
                key=first_key + len(records), label=label if begin == 0 else None, text=piece, span=span,
                assignment=assignment,
                deadline=find_deadline(piece, assignment.deadline if assignment else None, doc_year, issued),
                heading=item.heading, quantities=find_quantities(piece),
                references=find_references(piece, span, exclude=title)))
        consumed.update(b.span.start for b in item.blocks)
    return tuple(records), frozenset(consumed)
