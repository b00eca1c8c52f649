"""Layout readers: each way cities write who leads and who co-operates.

A table's units cell is read by the cell readers (``*`` marks, or lead / co
columns); the same facts written as a note are read by the note grammars.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policykg.ingest.readers import read_columns, read_note, read_star, split_units


@pytest.mark.parametrize("text,lead,co,joint", [
    ("*市财政局、市发改局、市经信局", ["市财政局"], ["市发改局", "市经信局"], []),
    ("市税务局", ["市税务局"], [], []),
])
def test_readers_star_cell(text, lead, co, joint):
    a = read_star(text)
    assert (list(a.lead), list(a.co), list(a.joint), a.reader) == (lead, co, joint, "star")


@pytest.mark.parametrize("text,reader,lead,co,joint", [
    ("（责任单位：市经信局、市自然资源和规划局）", "responsible_list", [], [], ["市经信局", "市自然资源和规划局"]),
    ("（市发改局牵头，市财政局、市经信局配合）", "lead_co", ["市发改局"], ["市财政局", "市经信局"], []),
    ("（责任单位：市商务局、市发改局、市外办，列第一位的为牵头单位）", "responsible_list", ["市商务局"],
     ["市发改局", "市外办"], []),
])
def test_readers_the_same_facts_as_notes(text, reader, lead, co, joint):
    a, _ = read_note(text)
    assert (list(a.lead), list(a.co), list(a.joint), a.reader) == (lead, co, joint, reader)


def test_readers_separate_columns():
    a = read_columns("市发改局", "市财政局、市经信局")
    assert (a.lead, a.co) == (("市发改局",), ("市财政局", "市经信局"))


UNIT = st.text(alphabet="市发改经信局财政委办中心", min_size=2, max_size=6)


@given(st.lists(UNIT, min_size=1, max_size=8), st.sampled_from(["、", "，", ",", "；"]))
def test_readers_star_keeps_every_unit_in_order(units, sep):
    text = sep.join(["*" + units[0]] + units[1:])
    a = read_star(text)
    assert list(a.lead + a.co) == units
    assert split_units(text)[0] == "*" + units[0]
