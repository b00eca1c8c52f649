"""The note grammar's data (``lexicon/note_grammar.toml``), loaded once, and the
character normalisation it declares.

Three readers need this file: the note grammars (:mod:`.notes`), the grammar of
unit names (:mod:`.unit_names`, which reads 繁体 endings such as 廳 and 會 as
simplified) and the cutting of running text into records (unbracketed notes
begin with one of the file's labels). Kept apart from all three so none has to
import another for it — :mod:`.notes` uses :mod:`.unit_names`, never the other
way round.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache

from policykg.resources import lexicon_path


@lru_cache(maxsize=1)
def note_grammar() -> dict:
    """``lexicon/note_grammar.toml`` as parsed (read once; callers must not change it)."""
    with open(lexicon_path("note_grammar.toml"), "rb") as handle:
        return tomllib.load(handle)


@lru_cache(maxsize=1)
def _table() -> dict[int, int]:
    chars = note_grammar()["normalise"]["chars"]
    return {ord(k): ord(v) for k, v in chars.items() if len(k) == len(v) == 1}


def normalise(text: str) -> str:
    """Keyword characters simplified, punctuation full-width; same length as ``text``.

    >>> normalise("(X牽頭, Y配合)")
    '（X牵头， Y配合）'
    """
    return text.translate(_table())


def label_roles() -> dict[str, str]:
    """Every label of a note (``牵头单位`` …, ``完成时限`` …) → its default role, in the file's order.

    >>> label_roles()["配合单位"], label_roles()["完成时限"]
    ('co', 'deadline')
    """
    words = note_grammar()["words"]
    return {label: words["default_label_roles"][label] for label in words["labels"]}


def alternation(words) -> str:
    """A regular-expression alternation of ``words``, longest first (so 牵头单位 wins over 牵头).

    >>> alternation(["牵头", "牵头单位"])
    '牵头单位|牵头'
    """
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
