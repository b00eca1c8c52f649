"""Extract records (key tasks, targets, measures, units, persons, …) from a layout."""

from policykg.ingest.extract.document import extract, unmapped_lines

__all__ = ["extract", "unmapped_lines"]
