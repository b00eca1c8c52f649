"""Chinese numerals as used in policy documents: （二十五）, 百家, 5千户.

>>> chinese_to_int("二十五"), chinese_to_int("三十二"), chinese_to_int("百")
(25, 32, 100)
"""

from __future__ import annotations

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
          "六": 6, "七": 7, "八": 8, "九": 9}
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
LARGE_UNITS = {"万": 10_000, "亿": 100_000_000}
NUMERAL_CHARS = "".join(DIGITS) + "".join(SMALL_UNITS) + "".join(LARGE_UNITS)


def chinese_to_int(text: str) -> int:
    """Value of a Chinese numeral; a leading unit means one of it (十 = 10, 百 = 100).

    Raises ``ValueError`` for text that is not a numeral.
    """
    if not text or any(ch not in NUMERAL_CHARS for ch in text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    total = section = digit = 0
    seen_digit = False
    for ch in text:
        if ch in DIGITS:
            digit = DIGITS[ch]
            seen_digit = True
        elif ch in SMALL_UNITS:
            section += (digit if seen_digit else 1) * SMALL_UNITS[ch]
            digit, seen_digit = 0, False
        else:
            section += digit
            total += (section or 1) * LARGE_UNITS[ch]
            section = digit = 0
            seen_digit = False
    return total + section + digit
