"""Word's automatic numbering, rendered as Word shows it.

A numbered paragraph does not hold its number: ``1﹒`` or ``（三）`` is drawn
by Word from ``numbering.xml`` (``w:numPr`` → ``w:num`` → ``w:abstractNum`` →
the level's ``w:lvlText`` such as ``%1﹒``, its ``w:numFmt`` and ``w:start``).
A reader that takes only the run text loses exactly the numbers that the
record segmenter needs to cut a document into measures (in document 02, 22 of
24 items), so they are rendered here:

* counters run per abstract list, so two ``w:num`` over one ``w:abstractNum``
  continue each other, as Word counts them; a ``w:num`` with a
  ``w:lvlOverride/w:startOverride`` restarts its level the first time it is
  used, and may replace the level's definition (``w:lvlOverride/w:lvl``);
* using a level resets the levels below it (unless ``w:lvlRestart`` says
  otherwise); ``%N`` in the level text is level N's counter in *its* format,
  decimal for a legal list (``w:isLgl``);
* formats: decimal (also zero-padded, full-width, enclosed ①⑴⒈), Chinese
  counting (一、 十一、 二十、), 壹贰叁, 甲乙丙, 子丑寅, roman, letters; a bullet
  is dropped (its glyph is a private-use Symbol character, not text);
* the suffix after the number: nothing, a space, or a tab (rendered as a space:
  ``1.`` before ``5G网络`` must not read as ``1.5``).

>>> chinese_counting(1), chinese_counting(10), chinese_counting(11), chinese_counting(20), chinese_counting(105)
('一', '十', '十一', '二十', '一百零五')
"""

from __future__ import annotations

from dataclasses import dataclass, field

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DIGITS = "零一二三四五六七八九"


def _val(element, tag: str, default: str | None = None) -> str | None:
    child = element.find(W + tag) if element is not None else None
    return child.get(W + "val", default) if child is not None else default


def chinese_counting(n: int) -> str:
    """一 … 十 … 十一 … 九十九 … 一百零五: Word's ``chineseCounting`` (and ``…Thousand``)."""
    if n <= 0:
        return str(n)
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if rest == 0 else ("零" + _DIGITS[rest] if rest < 10 else
                                     (_DIGITS[1] if rest < 20 else "") + chinese_counting(rest))
        return _DIGITS[n // 100] + "百" + tail
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def _letter(n: int) -> str:
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _enclosed(first: int, last_n: int):
    return lambda n: chr(first + n - 1) if 1 <= n <= last_n else str(n)


_LEGAL = "零壹贰叁肆伍陆柒捌玖"
FORMATS = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "decimalFullWidth": lambda n: "".join(chr(0xFF10 + int(d)) for d in str(n)),
    "decimalFullWidth2": lambda n: "".join(chr(0xFF10 + int(d)) for d in str(n)),
    "decimalHalfWidth": str,
    "decimalEnclosedCircle": _enclosed(0x2460, 20),
    "decimalEnclosedCircleChinese": _enclosed(0x2460, 20),
    "decimalEnclosedParen": _enclosed(0x2474, 20),
    "decimalEnclosedFullstop": _enclosed(0x2488, 20),
    "chineseCounting": chinese_counting,
    "chineseCountingThousand": chinese_counting,
    "japaneseCounting": chinese_counting,
    "taiwaneseCounting": chinese_counting,
    "taiwaneseCountingThousand": chinese_counting,     # LibreOffice writes chineseCounting so
    "taiwaneseDigital": lambda n: "".join("〇一二三四五六七八九"[int(d)] for d in str(n)),
    "ideographLegalTraditional": lambda n: chinese_counting(n).translate(
        str.maketrans(_DIGITS + "十百", "零壹貳參肆伍陸柒捌玖拾佰")),
    "chineseLegalSimplified": lambda n: chinese_counting(n).translate(str.maketrans(_DIGITS + "十百", _LEGAL + "拾佰")),
    "ideographDigital": lambda n: "".join("〇一二三四五六七八九"[int(d)] for d in str(n)),
    "ideographTraditional": lambda n: "甲乙丙丁戊己庚辛壬癸"[(n - 1) % 10],
    "ideographZodiac": lambda n: "子丑寅卯辰巳午未申酉戌亥"[(n - 1) % 12],
    "upperRoman": _roman,
    "lowerRoman": lambda n: _roman(n).lower(),
    "upperLetter": _letter,
    "lowerLetter": lambda n: _letter(n).lower(),
    "ordinal": str,
    "cardinalText": str,
    "none": lambda n: "",
    "bullet": lambda n: "",
}


@dataclass(frozen=True)
class Level:
    start: int
    fmt: str
    text: str
    suffix: str
    restart: int | None          # w:lvlRestart: restart after this level (1-based); 0 = never
    legal: bool


def _level(lvl) -> Level:
    restart = _val(lvl, "lvlRestart")
    return Level(start=int(_val(lvl, "start", "1") or 1), fmt=_val(lvl, "numFmt", "decimal") or "decimal",
                 text=_val(lvl, "lvlText", "") or "", suffix=_val(lvl, "suff", "tab") or "tab",
                 restart=int(restart) if restart and restart.isdigit() else None,
                 legal=lvl.find(W + "isLgl") is not None and _val(lvl, "isLgl", "1") not in ("0", "false"))


@dataclass
class Numbering:
    """The lists of one document and the counters as the body is read in order."""

    abstract: dict[str, dict[int, Level]] = field(default_factory=dict)
    nums: dict[str, str] = field(default_factory=dict)                 # numId → abstractNumId
    overrides: dict[str, dict[int, tuple[int | None, Level | None]]] = field(default_factory=dict)
    style_numbers: dict[str, tuple[str, int]] = field(default_factory=dict)   # styleId → (numId, ilvl)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    @classmethod
    def parse(cls, numbering, styles=None) -> "Numbering":
        """From the parsed ``numbering.xml`` and ``styles.xml`` (either may be ``None``)."""
        out = cls()
        links: dict[str, str] = {}
        for abstract in numbering.iter(W + "abstractNum") if numbering is not None else ():
            key = abstract.get(W + "abstractNumId")
            out.abstract[key] = {int(l.get(W + "ilvl", "0")): _level(l) for l in abstract.findall(W + "lvl")}
            link = _val(abstract, "numStyleLink")
            if link:
                links[key] = link
        for num in numbering.iter(W + "num") if numbering is not None else ():
            num_id = num.get(W + "numId")
            out.nums[num_id] = _val(num, "abstractNumId", "") or ""
            for override in num.findall(W + "lvlOverride"):
                start = _val(override, "startOverride")
                lvl = override.find(W + "lvl")
                out.overrides.setdefault(num_id, {})[int(override.get(W + "ilvl", "0"))] = (
                    int(start) if start and start.lstrip("-").isdigit() else None,
                    _level(lvl) if lvl is not None else None)
        out._styles(styles)
        for key, style in links.items():              # a list defined by a numbering style: follow it
            target = out.style_numbers.get(style)
            if target and out.nums.get(target[0]) in out.abstract:
                out.abstract[key] = out.abstract[out.nums[target[0]]]
        return out

    def _styles(self, styles) -> None:
        based: dict[str, str] = {}
        for style in styles.iter(W + "style") if styles is not None else ():
            sid = style.get(W + "styleId")
            num_pr = style.find(f"{W}pPr/{W}numPr")
            if num_pr is not None and _val(num_pr, "numId"):
                self.style_numbers[sid] = (_val(num_pr, "numId"), int(_val(num_pr, "ilvl", "0") or 0))
            parent = _val(style, "basedOn")
            if parent:
                based[sid] = parent
        for sid in list(based):                        # inherit through w:basedOn (a few steps at most)
            seen, cur = {sid}, based.get(sid)
            while sid not in self.style_numbers and cur and cur not in seen:
                if cur in self.style_numbers:
                    self.style_numbers[sid] = self.style_numbers[cur]
                seen.add(cur)
                cur = based.get(cur)

    def label(self, ppr) -> str:
        """The number Word draws before a paragraph with properties ``ppr`` ('' when none), counting it."""
        num_id, ilvl = self._num_of(ppr)
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        abstract_id = self.nums[num_id]
        levels = dict(self.abstract.get(abstract_id, {}))
        overrides = self.overrides.get(num_id, {})
        for lvl, (_, level) in overrides.items():
            if level is not None:
                levels[lvl] = level
        level = levels.get(ilvl)
        if level is None:
            return ""
        counters = self.counters.setdefault(abstract_id, {})
        if num_id not in self.used:
            self.used.add(num_id)
            for lvl, (start, over) in overrides.items():
                if start is not None or over is not None:
                    counters.pop(lvl, None)
                    if start is not None:
                        counters[lvl] = start - 1
        counters[ilvl] = counters.get(ilvl, level.start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            restart = levels.get(deeper).restart if levels.get(deeper) else None
            if restart != 0 and (restart is None or ilvl < restart):
                del counters[deeper]
        return self._render(level, levels, counters)

    def _num_of(self, ppr) -> tuple[str | None, int]:
        num_pr = ppr.find(W + "numPr") if ppr is not None else None
        style = _val(ppr, "pStyle")
        from_style = self.style_numbers.get(style) if style else None
        num_id = _val(num_pr, "numId") if num_pr is not None else None
        ilvl = _val(num_pr, "ilvl") if num_pr is not None else None
        if num_id is None and from_style:
            num_id = from_style[0]
        if ilvl is None:
            ilvl = str(from_style[1]) if from_style else "0"
        return num_id, int(ilvl) if ilvl.isdigit() else 0

    @staticmethod
    def _render(level: Level, levels: dict[int, Level], counters: dict[int, int]) -> str:
        text = level.text
        for n in range(9, 0, -1):
            placeholder = f"%{n}"
            if placeholder in text:
                other = levels.get(n - 1)
                count = counters.get(n - 1, other.start if other else 1)
                fmt = "decimal" if level.legal else (other.fmt if other else "decimal")
                text = text.replace(placeholder, FORMATS.get(fmt, str)(count))
        if level.fmt == "bullet":
            return ""
        return text + {"tab": " ", "space": " "}.get(level.suffix, "") if text else ""
