"""Items of a cell: numbering, page-split continuation, repeated lines, broken sentences."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from policykg.ingest.extract.items import item_label, merge_items
from policykg.model import Cell


def cell(first_line: int, *lines: str) -> Cell:
    return Cell(lines=tuple((first_line + i, text) for i, text in enumerate(lines)))


def test_items_labels_only_the_expected_number():
    assert item_label("1.2023年度全市工业用地", 1) == ("1.", "2023年度全市工业用地")
    assert item_label("1. 促进民营经济健康发展", 1) == ("1.", "促进民营经济健康发展")
    assert item_label("2023年向民间资本推介项目不少于2个。", 1) is None
    assert item_label("1.2023年度全市工业用地", 3) is None          # a repeat, not item 3


def test_items_merge_page_split_with_repeats_and_a_broken_sentence():
    first = cell(10, "1.甲目标。", "2.乙目标，单险种参")
    second = cell(20, "1.甲目标。", "加工伤保险。", "3.丙目标。")
    items, notes = merge_items([first, second])
    assert [(i.ordinal, i.text) for i in items] == [(1, "甲目标。"), (2, "乙目标，单险种参加工伤保险。"),
                                                   (3, "丙目标。")]
    assert [(s.start, s.end) for s in items[1].spans] == [(11, 11), (21, 21)]
    assert [n.line for n in notes] == [20]


def test_items_unnumbered_single_target():
    items, _ = merge_items([cell(86, "积极投资参与长三角一体化发展基金。")])
    assert [(i.ordinal, i.label) for i in items] == [(1, None)]


SENTENCE = st.text(alphabet="甲乙丙丁戊己庚辛，。、", min_size=2, max_size=12).filter(lambda s: s.strip())


@settings(max_examples=150, deadline=None)
@given(st.lists(SENTENCE, min_size=1, max_size=12, unique=True), st.data())
def test_items_any_split_point_rebuilds_the_same_items(texts, data):
    """Cut a numbered list at any item or inside any sentence, repeat a prefix: same items."""
    lines = [f"{i}.{t}" for i, t in enumerate(texts, start=1)]
    cut_item = data.draw(st.integers(0, len(lines) - 1))
    cut_char = data.draw(st.integers(0, len(lines[cut_item])))
    head = lines[:cut_item] + ([lines[cut_item][:cut_char]] if cut_char else [])
    tail = ([lines[cut_item][cut_char:]] if cut_char < len(lines[cut_item]) else []) + lines[cut_item + 1:]
    repeats = data.draw(st.integers(0, min(2, cut_item)))
    tail = lines[:repeats] + tail
    head, tail = [h for h in head if h.strip()], [t for t in tail if t.strip()]
    cells = [cell(1, *head)] if head else []
    if tail:
        cells.append(cell(100, *tail))
    items, _ = merge_items(cells)
    whole, _ = merge_items([cell(1, *lines)])
    if cut_char and cut_char < len(lines[cut_item]) and cut_char <= len(str(cut_item + 1)):
        return   # the cut fell inside the item number itself: that is a broken table, not a split sentence
    assert [i.text for i in items] == [i.text for i in whole]
