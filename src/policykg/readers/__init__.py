"""Readers of responsibility layouts: who leads and who co-operates.

Cities write the same fact in different ways:

* ``star``        — ``*市财政局、市发改局``: ``*`` marks the lead; a lone unit leads.
* ``parenthetical`` — ``（责任单位：市经信局、市自然资源和规划局）``: units, no lead said.
* ``lead_co``     — ``（市发改局牵头，市财政局、市经信局配合）``.
* ``first_listed`` — a list under a note ``列第一位的为牵头单位``: the first leads.
* ``columns``     — separate 牵头单位 / 配合单位 columns.

Each reader is a small function registered by name; supporting a new layout
means adding a reader here, not changing the extractors that call
:func:`read_assignment`.
"""

from .units import READERS, detect_reader, read_assignment, read_columns, split_units

__all__ = ["READERS", "detect_reader", "read_assignment", "read_columns", "split_units"]
