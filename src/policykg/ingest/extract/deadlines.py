"""A record's deadline: as written, with its end date where a year is known.

Where a deadline comes from, in order:

1. the note's own time limit (（6月底完成，牵头考核单位：…）), as
   :func:`policykg.ingest.readers.notes.read_note` returns it;
2. else a time limit written in the record's text, the strongest kind first:

   * an explicit limit — ``到2023年``, ``2025年底前``, ``0403年底前``, ``6月底前``,
     ``6月底完成``, ``年底前``, ``本意见印发之日起30日内``;
   * a bare year opening a sentence — ``0402年组织开展…`` → ``0402年``;
   * an open-ended stance standing as its own clause — ``…，持续推进。``,
     ``长期坚持``.

Validity periods are not deadlines: ``2019年1月1日至12月31日``, ``从2019年1月1日起``
and ranges (``2021—2023年``) are never read as one.

What the deadline says about dates — its kind, ``Deadline.end`` (the due date), a start,
the rule — is read by :mod:`policykg.ingest.extract.due_dates` (``到2023年`` → 2023-12-31;
``6月底`` with ``doc_year`` 2022 → 2022-06-30; ``年底前`` → ``doc_year``-12-31). A garbled
year (``0403年``) keeps its text and gets no end: never a wrong date.

>>> d = find_deadline("力争到2025年，全省集成电路产业规模过千亿。", None, 2023); d.text, d.end, d.kind, d.rule
('到2025年', datetime.date(2025, 12, 31), 'dated', 'year-end')
>>> d = find_deadline("0402年启动试点。0403年底前建设完成平台。", None, 2021); d.text, d.end, d.kind
('0403年底前', None, 'unreadable')
>>> d = find_deadline("完成改造。", "6月底完成", 2022); d.text, d.end, d.rule
('6月底完成', datetime.date(2022, 6, 30), 'doc-month-end')
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from policykg.ingest.extract.due_dates import number, read_due, valid_year, words
from policykg.model import Deadline

#: input is capped: a record's text is never longer than this
MAX_TEXT = 20_000
_Y = r"(?P<y>[0-9０-９]{4}|[〇零○一二三四五六七八九]{4})"
_M = r"(?P<m>[0-9０-９]{1,2}|十[一二]?|[一二三四五六七八九])"
_D = r"(?P<d>[0-9０-９]{1,2})"

#: explicit limits (strongest)
_EXPLICIT = re.compile(
    "|".join([
        # 到2023年 / 到2025年底 / 到2023年6月底, opening a sentence (力争到2025年，…); after a
        # comma it is the year of a target, not the measure's limit. 到 only: 至 marks a validity period.
        rf"(?:^|(?<=[。；！？\n]))\s*(?:(?:力争|争取|计划|预计|确保|目标是)\s*)?"
        rf"(?P<to>到{_Y}年(?:{_M}月(?:份)?(?:{_D}日)?)?(?:年底|年末|底|末)?(?:前|以前|之前)?)",
        # 2025年底前 / 0403年底前 / 2023年6月底前 / 2023年6月30日前
        rf"(?<![0-9０-９至—\-~～到])(?P<y2>[0-9０-９]{{4}}|[〇零○一二三四五六七八九]{{4}})年"
        rf"(?:(?P<m2>[0-9０-９]{{1,2}}|十[一二]?|[一二三四五六七八九])月(?:份)?(?:(?P<d2>[0-9０-９]{{1,2}})日)?)?"
        r"(?:上半年|下半年|年底|年末|底|末)?(?:前|以前|之前)",
        # 6月底前 / 6月底完成 / 10月份完成 (no year: the document's)
        r"(?<![0-9０-９年至—\-~～])(?P<m3>[0-9０-９]{1,2}|十[一二]?|[一二三四五六七八九])月(?:份)?(?:底|末|中旬|上旬|下旬)?"
        r"(?:前|以前|之前|完成)",
        # 年底前 / 年内完成
        r"(?<![0-9０-９〇一二三四五六七八九年])(?P<ye>年底|年末|年内)(?:前|以前|之前|完成)",
        # 本意见印发之日起30日内
        r"(?:本(?:意见|方案|通知|办法|规划|计划|文件|决定)|文件)?(?:印发|发布|出台|实施|施行)之日起"
        r"[0-9０-９一二三四五六七八九十]+(?:个)?(?:日|天|月|年|个工作日|工作日)内",
    ]))
#: a bare year opening a sentence: 0402年组织开展… (not 2019年1月1日至…, not 2021年，…)
_BARE_YEAR = re.compile(
    r"(?:^|(?<=[。；！\n]))\s*(?:[0-9０-９]{1,2}[.．、]\s*)?(?P<text>(?P<y>[0-9０-９]{4})年)(?=[\u4e00-\u9fff])(?!底|末|以来|起|度|至|年)")


@lru_cache(maxsize=1)
def _ongoing_clause() -> re.Pattern:
    """An open-ended stance as a clause of its own (``…，持续推进。``): the lexicon's ongoing phrases
    of four characters or more (a bare 长期 or 持续 opens an ordinary sentence too)."""
    phrases = sorted((p for p in words().ongoing if len(p) >= 4), key=len, reverse=True)
    return re.compile(rf"(?:^|(?<=[，。；：\n]))\s*(?P<text>{'|'.join(map(re.escape, phrases))})\s*(?=[，。；\n]|$)")


def end_date(text: str, doc_year: int | None, issued: date | None = None) -> date | None:
    """The last day a deadline's text allows, or None when none can be told
    (:func:`policykg.ingest.extract.due_dates.read_due` says how, and why not).

    >>> end_date("到2023年", None), end_date("5月底取得明显成效并持续推进", 2022)
    (datetime.date(2023, 12, 31), datetime.date(2022, 5, 31))
    >>> end_date("0403年底前", 2021), end_date("持续推进", 2022), end_date("年底前", 2022)
    (None, None, datetime.date(2022, 12, 31))
    >>> end_date("二〇二三年六月底前", None)
    datetime.date(2023, 6, 30)
    """
    return read_due(text, year=doc_year, issued=issued).due


def deadline_of(written: str, doc_year: int | None, issued: date | None = None) -> Deadline:
    """A deadline as written with its kind, due date, start and rule (see :class:`Deadline`)."""
    due = read_due(written, year=doc_year, issued=issued)
    return Deadline(written, due.due, due.kind, due.start, due.rule, due.problem)


def _candidates(text: str, doc_year: int | None) -> list[tuple[int, int, str]]:
    """(strength, position, text as written) of every deadline in ``text``."""
    found: list[tuple[int, int, str]] = []
    for m in _EXPLICIT.finditer(text):
        written = m.group("to") or m.group(0)
        found.append((3, m.start() + m.group(0).find(written), written))
    for m in _BARE_YEAR.finditer(text):
        year = valid_year(number(m.group("y")))
        if year is not None and doc_year is not None and year < doc_year:
            continue  # a past year is a fact, not a limit
        found.append((2, m.start("text"), m.group("text")))
    for m in _ongoing_clause().finditer(text):
        found.append((1, m.start("text"), m.group("text")))
    return found


def find_deadline(text: str, note_deadline: str | None, doc_year: int | None,
                  issued: date | None = None) -> Deadline | None:
    """The record's deadline: the note's own, else the strongest time limit in its text.

    Among limits of the same strength the latest end wins (到2023年…到2025年 →
    到2025年), then the first written.

    >>> find_deadline("2019年1月1日至12月31日，返还失业保险费。", None, 2018) is None
    True
    >>> find_deadline("各省级人民政府要在本意见印发之日起30日内，制定办法。", None, 2018).text
    '本意见印发之日起30日内'
    >>> d = find_deadline("加快推进，6月底前完成平台建设。", None, 2022); d.text, d.end
    ('6月底前', datetime.date(2022, 6, 30))
    """
    if note_deadline and note_deadline.strip():
        return deadline_of(note_deadline.strip(), doc_year, issued)
    text = (text or "")[:MAX_TEXT]
    found = _candidates(text, doc_year)
    if not found:
        return None
    best = max(c[0] for c in found)
    top = [c for c in found if c[0] == best]
    dated = [(end_date(t, doc_year, issued), -pos, t) for _, pos, t in top]
    with_end = [d for d in dated if d[0] is not None]
    if with_end:
        return deadline_of(max(with_end)[2], doc_year, issued)
    _, pos, written = min(top, key=lambda c: c[1])
    return deadline_of(written, doc_year, issued)
