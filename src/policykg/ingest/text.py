"""Small text helpers every stage may use (no stage's internals).

>>> without_spaces("叶  茹"), without_spaces("2023-\\n2027年")
('叶茹', '2023-2027年')
"""

from __future__ import annotations

import re

_SPACES = re.compile(r"[\s\u3000]+")


def without_spaces(text: str) -> str:
    """Drop every space, full-width space and line break: the table's padding and
    wrapping are layout, never part of a name, a phase or a title."""
    return _SPACES.sub("", text)
