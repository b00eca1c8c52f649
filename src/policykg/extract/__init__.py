"""Extract records (key tasks, targets, measures, units, persons, …) from a layout."""

from .document import extract, unmapped_lines

__all__ = ["extract", "unmapped_lines"]
