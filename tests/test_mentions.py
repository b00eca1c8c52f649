"""Organisation tagging: units named in the text of items and provisions.

Read off the document: line 390 (task 20, measure 4) plans a rule by
乐清市市场监督管理局 (市市场监管局, the task's lead); line 574 (task 30, measure 2)
names 市工商联 (a co-unit of task 30); line 29 (三、（一）) puts the leading
group's office in 市发改局. Lines 387 and 485 name 温州市市场监管局 and
温州市司法局: Wenzhou's bodies, not ours.
"""

from __future__ import annotations


def test_mentions_found_in_items_and_provisions(run_stored):
    rows = [(r["item"], r["unit"], r["assigned"]) for r in run_stored("unit_mentions")]
    assert rows == [("举措 20.4", "市市场监管局", "lead"), ("举措 30.2", "市工商联", "co"),
                    ("条款 3.1", "市发改局", "none")]


def test_mentions_skip_other_cities_bodies(built):
    mentions = built.linked.mentions
    assert "measure:20:1" not in mentions            # L387 积极沟通省、温州市市场监管局
    assert "measure:24:15" not in mentions           # L485 配合温州市司法局
