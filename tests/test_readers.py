"""Layout readers: each way cities write who leads and who co-operates."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policykg.ingest.readers import (
    READERS,
    detect_reader,
    read_assignment,
    read_columns,
    split_units,
)


@pytest.mark.parametrize("text,reader,lead,co,joint", [
    ("*市财政局、市发改局、市经信局", "star", ["市财政局"], ["市发改局", "市经信局"], []),
    ("市税务局", "star", ["市税务局"], [], []),
    ("（责任单位：市经信局、市自然资源和规划局）", "parenthetical", [], [], ["市经信局", "市自然资源和规划局"]),
    ("（市发改局牵头，市财政局、市经信局配合）", "lead_co", ["市发改局"], ["市财政局", "市经信局"], []),
    ("（责任单位：市商务局、市发改局、市外办，列第一位的为牵头单位）", "first_listed", ["市商务局"],
     ["市发改局", "市外办"], []),
])
def test_readers_each_layout(text, reader, lead, co, joint):
    assert detect_reader(text) == reader
    a = read_assignment(text)
    assert (list(a.lead), list(a.co), list(a.joint), a.reader) == (lead, co, joint, reader)


def test_readers_separate_columns():
    a = read_columns("市发改局", "市财政局、市经信局")
    assert (a.lead, a.co) == (("市发改局",), ("市财政局", "市经信局"))


def test_readers_registry_names_and_unknown_reader():
    assert {"star", "parenthetical", "lead_co", "first_listed"} <= set(READERS)
    with pytest.raises(ValueError, match="no layout reader"):
        read_assignment("市发改局", "nope")


UNIT = st.text(alphabet="市发改经信局财政委办中心", min_size=2, max_size=6)


@given(st.lists(UNIT, min_size=1, max_size=8), st.sampled_from(["、", "，", ",", "；"]))
def test_readers_star_keeps_every_unit_in_order(units, sep):
    text = sep.join(["*" + units[0]] + units[1:])
    a = read_assignment(text, "star")
    assert list(a.lead + a.co) == units
    assert split_units(text)[0] == "*" + units[0]
