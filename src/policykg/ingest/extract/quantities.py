"""Quantified targets in one target sentence: ``达到70%以上`` → 70, ``%``, ``>=``.

A target sentence states levels to reach ("新增技能人才1.08万人"), but it is
also full of numbers that are *not* targets: years and dates, 文号, item labels,
names with digits ("510+行动计划", "12366", “两个健康”), eligibility bounds
("（50人以上）", "400万元以上的项目"), the rates of a tax rule ("减按25%") and
starting levels ("从5%提高至8%" states 8 %, not 5 %). The rules below keep the
first kind and drop the rest; each is written for the *shape* of the text,
never for one sentence. Anything inside a bracket or quote pair is skipped:
in these documents that is a note, a bound, a 文号 or a name.

``surface`` runs from the comparator word (达到, 不低于; for a ratio the whole
trigger 比值达) through the unit and its suffix (以上, 左右, 内).

Where the words live: the vocabulary (unit words, comparator words, the words
that mark a rate, a starting level, a ratio or an eligibility bound) is in
``lexicon/quantity_words.tsv``, because an analyst adds a unit (万吨, 平方米) or
a comparator (不超过) when a new document uses one, and should not have to edit
Python for it. The *grammar* -- what a number looks like, brackets, dates,
years, the clause rule -- stays here: changing it changes behaviour the tests
pin down. Within each kind the longest word that fits wins (不超过 over 超过,
万人次 over 万人), so the file's order does not matter. The file is read once,
on first use; a malformed file is a ``LexiconError`` naming its line -- the
only way ``find_quantities`` can raise, and it is about the installation, not
the text.

``find_quantities`` is pure and total: for any ``str`` it returns a tuple
(maybe empty), in order of appearance, with ``text[q.start:q.end] == q.surface``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from policykg.errors import LexiconError
from policykg.model import Quantity
from policykg.ingest.numerals import chinese_to_int
from policykg.resources import lexicon_path

COMPARATORS = (">=", "<=", "~", "=")
_LEXICON = "quantity_words.tsv"
_KINDS = ("unit", "prefix", "suffix", "infix", "ratio", "rate", "baseline", "threshold")
#: Kinds whose ``value`` column must be a comparator.
_COMPARED = ("prefix", "suffix", "infix")


@dataclass(frozen=True)
class QuantityWords:
    """The vocabulary of ``lexicon/quantity_words.tsv``, each kind longest first."""

    units: tuple[str, ...]
    prefixes: tuple[tuple[str, str], ...]   # (word, comparator)
    suffixes: tuple[tuple[str, str], ...]   # (word, comparator)
    infixes: tuple[tuple[str, str], ...]    # (word, comparator)
    ratios: tuple[tuple[str, str], ...]     # (trigger, unit)
    rates: tuple[str, ...]
    baselines: tuple[str, ...]
    thresholds: tuple[str, ...]


@lru_cache(maxsize=None)
def quantity_words() -> QuantityWords:
    """Load the word lists once; a malformed row is a ``LexiconError`` naming its line."""
    path = lexicon_path(_LEXICON)
    rows: dict[str, list[tuple[str, str]]] = {kind: [] for kind in _KINDS}
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
            for row in reader:
                line = reader.line_num
                kind = (row.get("kind") or "").strip()
                word = (row.get("word") or "").strip()
                value = (row.get("value") or "").strip()
                if kind not in rows:
                    raise LexiconError(f"unknown kind {kind!r}", path=str(path), line=line,
                                       hint=f"use one of {', '.join(_KINDS)}")
                if not word:
                    raise LexiconError("empty word", path=str(path), line=line)
                if kind in _COMPARED and value not in COMPARATORS:
                    raise LexiconError(f"bad comparator {value!r} for {word!r}", path=str(path),
                                       line=line, hint=f"use one of {' '.join(COMPARATORS)}")
                if kind == "ratio" and not value:
                    raise LexiconError(f"ratio word {word!r} needs the unit it gives",
                                       path=str(path), line=line)
                rows[kind].append((word, value))
    except OSError as exc:
        raise LexiconError(f"cannot read quantity words: {exc.strerror}", path=str(path),
                           hint="restore lexicon/quantity_words.tsv or set POLICYKG_HOME") from exc

    def longest(kind: str) -> list[tuple[str, str]]:
        return sorted(set(rows[kind]), key=lambda wv: (-len(wv[0]), wv[0]))

    return QuantityWords(
        units=tuple(w for w, _ in longest("unit")),
        prefixes=tuple(longest("prefix")),
        suffixes=tuple(longest("suffix")),
        infixes=tuple(longest("infix")),
        ratios=tuple(longest("ratio")),
        rates=tuple(w for w, _ in longest("rate")),
        baselines=tuple(w for w, _ in longest("baseline")),
        thresholds=tuple(w for w, _ in longest("threshold")),
    )


# ---------------------------------------------------------------- grammar

# Full-width digits are read as ASCII; the mapping keeps every offset.
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")

_NUMBER = re.compile(r"(?P<ar>[0-9]+(?:\.[0-9]+)?)|(?P<cn>[零〇一二两三四五六七八九十百千]+)")
#: A well-formed Chinese numeral below 万 (万/亿 belong to the unit: 24万户).
#: 十四五 or 一二 do not match, so names like “十四五” are never numbers.
_CN_STRICT = re.compile(
    r"(?:[一二两三四五六七八九]千)?(?:零?[一二两三四五六七八九]?百)?"
    r"(?:零?[一二两三四五六七八九]?十)?(?:零?[一二两三四五六七八九])?")
#: 百/千 right after Arabic digits multiply them: 5千户 → 5000 户.
_MULTIPLIERS = {"百": 100, "千": 1000}
#: A lone 一 is "a/one" (一批, 一体化, 之一); it counts only before these.
_LONE_ONE_BEFORE = ("个", "万", "亿")

#: Before a number these make it a code or a name, not an amount: R&D, 1+N, G20.
_CODE_BEFORE = frozenset("+＋#/.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_CODE_AFTER = frozenset("+＋ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_RANGE_DASHES = frozenset("-~～—–")

#: Bracket and quote pairs. What sits inside is a note, a name or a 文号:
#: （50人以上） is an eligibility bound, “510+行动计划” a name, 〔2023〕 a 文号.
_OPENERS = {"（": "(", "(": "(", "〔": "〔", "[": "[", "【": "【", "《": "《", "〈": "〈",
            "“": "“", "‘": "‘", "「": "「", "『": "『"}
_CLOSERS = {"）": "(", ")": "(", "〕": "〔", "]": "[", "】": "【", "》": "《", "〉": "〈",
            "”": "“", "’": "‘", "」": "「", "』": "『"}

#: A leading item label (1.  2、  3）) is a list number, never an amount.
_ITEM_LABEL = re.compile(r"\s*[0-9]+[.．、)）](?![0-9])")
#: The day of a date (12月31日, 每月15日) is not a count of days.
_MONTH_DAY = re.compile(r"月([0-9]{1,2})[日号]")
#: A date range states a period of validity, not when a target is due.
_DATE_RANGE = re.compile(
    r"(?:自|从)?[0-9]{4}年[0-9]{1,2}月(?:[0-9]{1,2}日)?起?\s*(?:至|到|—|–|-|~|～)\s*"
    r"(?:[0-9]{4}年)?[0-9]{1,2}月(?:[0-9]{1,2}[日号])?")
#: A due-year expression: 2023年, 2023年度, 到2023年底(前), 2025年末, 2023下半年 …
#: 2023年以来 ("since 2023") looks back, so it is not one.
_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})(?:年度|年底前|年底|年末|上半年|下半年|年)(?!以来)")

#: Clause boundaries for the "X以上 + noun" rule.
_CLAUSE_ENDS = frozenset("，；。,;！？!?\n")
#: Suffixes that can bound a noun phrase: 1000万美金以上重点关注项目.
_BOUND_SUFFIXES = ("以上", "以下")


def find_quantities(text: str) -> tuple[Quantity, ...]:
    """Every quantified target in ``text``, in order of appearance.

    >>> [(str(q.value), q.unit, q.comparator, q.year, q.surface)
    ...  for q in find_quantities("到2025年，研发投入占比达到3.4%以上，培育企业十余家。")]
    [('3.4', '%', '>=', 2025, '达到3.4%以上'), ('10', '家', '>=', 2025, '十余家')]
    """
    if not isinstance(text, str) or not text:
        return ()
    words = quantity_words()
    plain = text.translate(_FULLWIDTH)
    masked = _masked(plain)
    found = [c for c in (_candidate(plain, text, m, masked, words) for m in _NUMBER.finditer(plain))
             if c is not None]
    following: list[_Candidate | None] = [*found[1:], None]
    kept = [c for c, nxt in zip(found, following) if not _bounds_a_noun(plain, c, nxt)]
    years = _due_years(plain, masked)
    return tuple(_with_year(c, years) for c in kept)


def due_year(text: str) -> int | None:
    """The first due year a text states (到2025年, 2023年底前 …), quantities or not.

    >>> due_year("2023年底前，审查一批涉及市场主体经济活动的政策措施"), due_year("排查2023年以来招投标项目")
    (2023, None)
    """
    if not isinstance(text, str) or not text:
        return None
    plain = text.translate(_FULLWIDTH)
    years = _due_years(plain, _masked(plain))
    return years[0][1] if years else None


# ---------------------------------------------------------------- candidates


@dataclass(frozen=True)
class _Candidate:
    value: Decimal
    value_text: str
    unit: str
    comparator: str
    surface: str
    start: int
    end: int


def _candidate(plain: str, text: str, match: re.Match[str], masked: bytearray,
               words: QuantityWords) -> _Candidate | None:
    """The quantity whose number is ``match``, or None when it is not a target."""
    s, e = match.span()
    if masked[s]:
        return None
    before = plain[s - 1] if s else ""
    if before == "第":                                   # 第一批: an ordinal
        return None
    if before in _CODE_BEFORE:                           # R&D1, 1+2, 1.2.3
        return None
    if before in _RANGE_DASHES and s >= 2 and plain[s - 2].isdigit():
        return None                                      # the end of a range 1-2家
    if e < len(plain) and plain[e] in _CODE_AFTER:       # 510+, 5G
        return None

    number = _read_number(plain, match, words)
    if number is None:
        return None
    value, p = number
    value_text = text[s:p]

    comparator = None
    q = p
    infix = _starts(plain, q, words.infixes)
    if infix:
        q += len(infix[0])
    unit = _starts_word(plain, q, words.units)
    start = s
    if unit:
        end = q + len(unit)
        if infix:
            comparator = infix[1]
    else:                                                # a bare number: only a ratio
        ratio = _ends(plain, s, words.ratios)
        if ratio is None:
            return None
        unit, end, start = ratio[1], p, s - len(ratio[0])

    suffix = _starts(plain, end, words.suffixes)
    if suffix:
        end += len(suffix[0])
        comparator = suffix[1]                           # the suffix wins

    if start == s:
        prefix = _ends(plain, s, words.prefixes)
        if prefix:
            start = s - len(prefix[0])
            comparator = comparator or prefix[1]

    if any(plain.endswith(w, 0, start) or plain.endswith(w, 0, s)
           for w in words.rates + words.baselines):
        return None                                      # 减按25%, 加计5%: a rate; 从5%: a start
    if any(plain.startswith(w, end) for w in words.thresholds):
        return None                                      # 200万元部分, 400万元以上的项目
    return _Candidate(value=value, value_text=value_text, unit=unit, comparator=comparator or "=",
                      surface=text[start:end], start=start, end=end)


def _read_number(plain: str, match: re.Match[str], words: QuantityWords) -> tuple[Decimal, int] | None:
    """(value, end) of the number at ``match``, or None when it is not an amount."""
    s, e = match.span()
    arabic = match.group("ar")
    if arabic is not None:
        value = Decimal(arabic)
        mult = plain[e] if e < len(plain) else ""
        if mult in _MULTIPLIERS:
            # a unit that starts with 百/千 (百分点) keeps it; otherwise it multiplies
            unit = _starts_word(plain, e, words.units)
            if not (unit and unit.startswith(mult)):
                return value * _MULTIPLIERS[mult], e + 1
        return value, e
    run = match.group("cn")
    if s and plain[s - 1].isdigit():                     # the 千 of 5千, already read
        return None
    if not _CN_STRICT.fullmatch(run) or run in ("零", "〇"):
        return None
    if run == "一" and not plain.startswith(_LONE_ONE_BEFORE, e):
        return None
    try:
        return Decimal(chinese_to_int(run)), e
    except ValueError:
        return None


def _starts(text: str, at: int, pairs: tuple[tuple[str, str], ...]) -> tuple[str, str] | None:
    return next((wv for wv in pairs if text.startswith(wv[0], at)), None)


def _starts_word(text: str, at: int, words: tuple[str, ...]) -> str | None:
    return next((w for w in words if text.startswith(w, at)), None)


def _ends(text: str, at: int, pairs: tuple[tuple[str, str], ...]) -> tuple[str, str] | None:
    return next((wv for wv in pairs if text.endswith(wv[0], 0, at)), None)


def _bounds_a_noun(plain: str, c: _Candidate, nxt: _Candidate | None) -> bool:
    """True for ``X以上`` + noun when a later quantity in the clause counts that noun.

    In "投资1000万美金以上重点关注项目不低于1个" the 1000万美金 says which projects
    count; the target is the 1 个. Without a later count (组织百家以上企业，…) the
    X以上 is the target itself.
    """
    if not c.surface.endswith(_BOUND_SUFFIXES) or c.end >= len(plain):
        return False
    if not _is_ideograph(plain[c.end]):
        return False
    if nxt is None:
        return False
    return not any(ch in _CLAUSE_ENDS for ch in plain[c.end:nxt.start])


def _is_ideograph(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


# ---------------------------------------------------------------- masks and years


def _masked(plain: str) -> bytearray:
    """1 at every offset where a number cannot start a quantity."""
    mask = bytearray(len(plain))

    def cover(a: int, b: int) -> None:
        mask[a:b] = b"\x01" * (b - a)

    # one stack per family, so a stray （ cannot swallow a later 》 and the
    # work stays linear; badly nested pairs simply mask the union of both
    open_at: dict[str, list[int]] = {}
    ascii_quote = -1
    for i, ch in enumerate(plain):
        if ch in _OPENERS:
            open_at.setdefault(_OPENERS[ch], []).append(i)
        elif ch in _CLOSERS:
            opened = open_at.get(_CLOSERS[ch])
            if opened:
                cover(opened.pop(), i + 1)
        elif ch == '"':
            if ascii_quote < 0:
                ascii_quote = i
            else:
                cover(ascii_quote, i + 1)
                ascii_quote = -1
    label = _ITEM_LABEL.match(plain)
    if label:
        cover(label.start(), label.end())
    for m in _MONTH_DAY.finditer(plain):
        cover(m.start(1), m.end(1))
    for m in _DATE_RANGE.finditer(plain):
        cover(m.start(), m.end())
    return mask


def _due_years(plain: str, masked: bytearray) -> list[tuple[int, int]]:
    """(end offset, year) of every due-year expression outside brackets and ranges."""
    return [(m.end(), int(m.group(1))) for m in _YEAR.finditer(plain) if not masked[m.start(1)]]


def _with_year(c: _Candidate, years: list[tuple[int, int]]) -> Quantity:
    year = None
    for end, y in years:
        if end > c.start:
            break
        year = y
    return Quantity(value=c.value, value_text=c.value_text, unit=c.unit, comparator=c.comparator,
                    year=year, surface=c.surface, start=c.start, end=c.end)
