"""A deadline as written → its kind, its due date (and start), and the rule that gave them.

Why a module of its own: a deadline is kept as the document writes it (``pkg:deadline``),
but follow-up needs a date it can sort and compare — what falls due this quarter, what is
overdue — and an analyst must be able to see *how* each date was told, and that no date
was guessed. So every deadline gets

* a **kind**: ``dated`` (a due date could be told), ``ongoing`` (长期, 持续推进, 常态化,
  按进度推进: no end), ``unreadable`` (a garbled or impossible year such as ``0403年底前``,
  a day that does not exist, or a limit counted from an issue date the document does not
  state: no date, the text kept, and a ``problem`` the build turns into a warning); a record
  with no deadline at all is kind ``none`` (the mapping says so);
* for ``dated``: the **due date** (the last day the text allows), a **start** where the text
  states one (``2023-2027年``), and the **rule** — an id of ``lexicon/deadlines.toml``'s
  ``[rules]``, where each is described in Chinese and English.

The words (ongoing phrases, parts of a year and of a month, relative years, units of a
time limit) are data in ``lexicon/deadlines.toml``; the shapes of dates are the code below.

>>> read_due("到2025年", year=2023)
Due(kind='dated', due=datetime.date(2025, 12, 31), start=None, rule='year-end', problem=None)
>>> read_due("6月底前", year=2022).due, read_due("10月取得明显成效", year=2022).due
(datetime.date(2022, 6, 30), datetime.date(2022, 10, 31))
>>> read_due("2023-2027年")[:3]
('dated', datetime.date(2027, 12, 31), datetime.date(2023, 1, 1))
>>> read_due("本意见印发之日起30日内", issued=date(2018, 11, 16))[:2]
('dated', datetime.date(2018, 12, 16))
>>> read_due("持续推进").kind, read_due("0403年底前", year=2021)[::4]
('ongoing', ('unreadable', 'garbled year 0403'))
"""

from __future__ import annotations

import calendar
import re
import tomllib
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from policykg.errors import LexiconError
from policykg.resources import lexicon_path

#: The kinds of deadline every record states (``pkg:deadlineKind``).
KINDS = ("dated", "ongoing", "unreadable", "none")
#: Years a due date may fall in; anything else is a garbled year, never a date.
MIN_YEAR, MAX_YEAR = 1990, 2100


def valid_year(year: int | None) -> int | None:
    """``year`` when a due date may fall in it, else None (a garbled year)."""
    return year if year is not None and MIN_YEAR <= year <= MAX_YEAR else None
#: A deadline longer than this is not a deadline: only its start is read.
MAX_TEXT = 200

_FULL = str.maketrans("０１２３４５６７８９", "0123456789")
_CN = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0}
_YEAR = r"[0-9０-９]{4}|[〇零○Ｏ一二三四五六七八九]{4}"
_NUM = r"[0-9０-９]{1,3}|[一二三四五六七八九十]{1,3}"


class Due(NamedTuple):
    """What a deadline says about dates: ``kind`` (:data:`KINDS`), ``due`` and ``start`` (dates or None),
    ``rule`` (an id of ``lexicon/deadlines.toml``'s rules), ``problem`` (why an unreadable one has no date)."""

    kind: str
    due: date | None = None
    start: date | None = None
    rule: str = ""
    problem: str | None = None


class _Words(NamedTuple):
    ongoing: tuple[str, ...]
    relative: dict[str, int]
    periods: dict[str, tuple[str, str]]
    month_parts: dict[str, int | str]
    after_issue: dict[str, str]
    rules: dict[str, dict[str, str]]


@lru_cache(maxsize=1)
def words() -> _Words:
    """``lexicon/deadlines.toml``, read once and checked (a wrong entry is a :class:`LexiconError`)."""
    path = lexicon_path("deadlines.toml")
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
        periods = {w: (p["start"], p["end"]) for p in data["period"] for w in p["words"]}
        found = _Words(tuple(data["ongoing"]), dict(data["relative_years"]), periods, dict(data["month_parts"]),
                       dict(data["after_issue"]), dict(data["rules"]))
        for start, end in periods.values():
            date.fromisoformat(f"2001-{start}"), date.fromisoformat(f"2001-{end}")
    except (OSError, KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise LexiconError(f"cannot read the deadline words: {exc}", path=str(path)) from None
    return found


def rule_text(rule: str, lang: str = "zh") -> str:
    """What rule ``rule`` reads, in ``lang`` (``zh``/``en``); ``""`` for an unknown id."""
    return words().rules.get(rule, {}).get(lang, "")


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern]:
    """The shapes of dates, made once with the lexicon's words in them."""
    w = words()
    alt = lambda items: "|".join(re.escape(i) for i in sorted(items, key=len, reverse=True))  # noqa: E731
    parts = alt(w.month_parts)
    return {
        "after": re.compile(rf"(?:印发|发布|出台|实施|施行|下发)之日起\s*(?P<n>{_NUM})\s*(?P<unit>{alt(w.after_issue)})"),
        "span": re.compile(rf"(?P<a>{_YEAR})\s*年?\s*[-—–~～至到]\s*(?P<b>{_YEAR})\s*年"),
        "date": re.compile(
            rf"(?:(?P<y>{_YEAR}|[0-9０-９]{{1,3}})\s*年)?\s*"
            rf"(?:(?P<period>{alt(w.periods)})"
            rf"|(?P<m>{_NUM})\s*月(?:份)?\s*(?:(?P<d>{_NUM})\s*[日号])?\s*(?P<part>{parts})?"
            rf"|(?P<rel>{alt(w.relative)})|(?P<end>底|末))?"),
    }


def number(text: str) -> int | None:
    """A number as written: ``12``, ``１２``, ``十二``, ``二〇二三``; None when it is not one."""
    text = text.translate(_FULL)
    if text.isdigit():
        return int(text)
    if len(text) == 4 and all(c in _CN for c in text):
        return int("".join(str(_CN[c]) for c in text))
    if text and all(c in "一二三四五六七八九十" for c in text):
        tens, _, ones = text.partition("十")
        if "十" not in text:
            return _CN[text] if len(text) == 1 else None
        return (_CN[tens] if tens else 1) * 10 + (_CN[ones] if ones else 0)
    return None


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _after_issue(m: re.Match, issued: date | None) -> Due:
    """``本意见印发之日起30日内`` → the issue date plus 30 days (months and years counted as such)."""
    if issued is None:
        return Due("unreadable", rule="unreadable", problem="counted from an issue date the document does not state")
    n, unit = number(m.group("n")), words().after_issue[m.group("unit")]
    if n is None or n > 3650:
        return Due("unreadable", rule="unreadable", problem=f"no number of {unit}s in {m.group(0)!r}")
    if unit == "day":
        due = issued + timedelta(days=n)
    elif unit == "month":
        due = _add_months(issued, n)
    elif unit == "year":
        due = _add_months(issued, 12 * n)
    else:                                   # workdays: Monday to Friday
        due, left = issued, n
        while left:
            due += timedelta(days=1)
            left -= due.weekday() < 5
    return Due("dated", due, rule="after-issue")


def _year(raw: str, year: int | None, what: str) -> tuple[int | None, str | None]:
    """A written year checked: (the year, None) or (None, the problem)."""
    value = number(raw)
    if value is not None and len(raw) < 4 and what == "duration":
        return None, f"{raw}年内 is a duration with no date to count from"
    if value is None or not MIN_YEAR <= value <= MAX_YEAR:
        return None, f"garbled year {raw}"
    if year is not None and value < year and what != "start":
        return None, f"year {value} is before the document's ({year})"
    return value, None


def _span(m: re.Match, year: int | None) -> Due:
    """``2023-2027年``: from the first year's first day to the last year's last day."""
    first, problem = _year(m.group("a"), None, "start")
    last, problem2 = _year(m.group("b"), year, "end")
    if first is None or last is None or first > last:
        return Due("unreadable", rule="unreadable", problem=problem or problem2 or f"span {m.group(0)!r} runs backwards")
    return Due("dated", date(last, 12, 31), date(first, 1, 1), "span")


def _month_date(m: re.Match, year: int, stated: bool) -> Due:
    """A month, its day or its part (上旬, 中旬, 底) in ``year``."""
    month, prefix = number(m.group("m")), "" if stated else "doc-"
    if month is None or not 1 <= month <= 12:
        return Due("unreadable", rule="unreadable", problem=f"no month {m.group('m')}")
    last = calendar.monthrange(year, month)[1]
    if m.group("d"):
        day = number(m.group("d"))
        if day is None or not 1 <= day <= last:
            return Due("unreadable", rule="unreadable", problem=f"no day {m.group('d')} in month {month}")
        return Due("dated", date(year, month, day), rule=prefix + "day")
    part = words().month_parts[m.group("part")] if m.group("part") else "last"
    if part == "last":
        return Due("dated", date(year, month, last), rule=prefix + "month-end")
    return Due("dated", date(year, month, min(int(part), last)), rule=prefix + "month-part")


def _dated(m: re.Match, year: int | None) -> Due | None:
    """A date expression: a year with or without its month, day or part; or a month, part of a year or
    relative year in the document's year. None when ``m`` holds no date."""
    written = m.group("y")
    if written is None and not (m.group("period") or m.group("m") or m.group("rel")):
        return None
    if written is not None:
        value, problem = _year(written, year, "duration" if m.string[m.end():m.end() + 1] == "内" else "end")
        if value is None:
            return Due("unreadable", rule="unreadable", problem=problem)
        stated, prefix = value, ""
    elif year is None:
        return Due("unreadable", rule="unreadable", problem="no year written and no issue date to take it from")
    else:
        stated, prefix = year + words().relative.get(m.group("rel") or "", 0), "doc-"
        if valid_year(stated) is None:             # 明年 in the last year a due date may fall in
            return Due("unreadable", rule="unreadable", problem=f"year {stated} is out of range")
    if m.group("period"):
        end = words().periods[m.group("period")][1]
        return Due("dated", date.fromisoformat(f"{stated}-{end}"), rule=prefix + "period")
    if m.group("m"):
        return _month_date(m, stated, written is not None)
    return Due("dated", date(stated, 12, 31), rule="year-end" if written is not None else "doc-year-end")


def read_due(text: str, *, year: int | None = None, issued: date | None = None) -> Due:
    """What ``text`` (a deadline as written) says about dates; ``year`` is the document's year,
    ``issued`` its issue date (``year`` defaults to the issue date's). See the module docstring.

    The first date written decides (``5月底取得明显成效并持续推进`` is due at the end of May);
    with no date, an ongoing phrase makes it ``ongoing``; anything else is ``unreadable``.

    >>> read_due("2024年上半年").due, read_due("一季度", year=2023).rule
    (datetime.date(2024, 6, 30), 'doc-period')
    >>> read_due("年底前", year=2022)[1:4], read_due("明年", year=2022).due
    ((datetime.date(2022, 12, 31), None, 'doc-year-end'), datetime.date(2023, 12, 31))
    >>> read_due("二〇二三年六月中旬").due, read_due("2023年2月30日前").problem
    (datetime.date(2023, 6, 20), 'no day 30 in month 2')
    """
    text = (text or "")[:MAX_TEXT]
    # a document's year outside the years a due date may fall in is a garbled one: no year to read from
    year = valid_year(year if year is not None else (issued.year if issued else None))
    pats = _patterns()
    if (m := pats["after"].search(text)) is not None:
        return _after_issue(m, issued)
    if (m := pats["span"].search(text)) is not None:
        return _span(m, year)
    for m in pats["date"].finditer(text):
        if m.end() > m.start() and (found := _dated(m, year)) is not None:
            return found
    if any(phrase in text for phrase in words().ongoing):
        return Due("ongoing", rule="ongoing")
    return Due("unreadable", rule="unreadable", problem="no date in it")
