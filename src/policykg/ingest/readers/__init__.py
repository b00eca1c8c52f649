"""Readers of responsibility layouts: who leads, who co-operates, who shares.

Cities write the same fact in different ways. Two layers:

* :mod:`.notes` — the **note grammar**: :func:`find_notes` (:mod:`.note_finder`) finds every
  responsibility note in a paragraph, :func:`read_note` reads one (lead, co,
  joint units, the note's own deadline) and carries a first-is-lead rule
  (「列第一位者为牵头单位，下同」) to later notes. Grammars are registered readers
  (:data:`GRAMMARS`) chosen by the text; their words and detection patterns live
  in ``lexicon/note_grammar.toml``.
* :mod:`.units` — the unit cells of task tables: ``*市财政局、市发改局``
  (``*`` marks the lead; a lone unit leads) and separate 牵头单位 / 配合单位 columns.

:mod:`.unit_names` recognises organisation names by their endings
(``lexicon/unit_suffixes.tsv``): :func:`unit_type_of`, :func:`looks_like_unit`.
"""

from policykg.ingest.readers.note_finder import find_notes
from policykg.ingest.readers.notes import GRAMMARS, Grammar, Note, NoteRule, is_note, read_note, register_grammar, states_rule
from policykg.ingest.readers.unit_names import is_catch_all, is_collective, looks_like_unit, unit_type_of
from policykg.ingest.readers.units import read_columns, read_star, split_units

__all__ = [
    "GRAMMARS", "Grammar", "Note", "NoteRule", "find_notes", "is_catch_all", "is_collective", "is_note",
    "looks_like_unit", "read_columns", "read_note", "read_star", "register_grammar", "split_units",
    "states_rule", "unit_type_of",
]
