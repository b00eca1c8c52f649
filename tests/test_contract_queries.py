"""The five contract queries, field by field, against values read from the document."""

from __future__ import annotations

from itertools import combinations

import pytest
from golden import KEY_TASKS, NARRATIVE, PILLARS, QUANTITIES

COLUMNS = ["no", "title", "pillar", "lead_units", "co_units", "leader", "liaison", "phase", "n_targets",
           "n_measures"]


def test_key_tasks_every_field_of_every_row(run_stored):
    rows = run_stored("key_tasks")
    assert list(rows[0]) == ["doc"] + COLUMNS          # the document first, then the contract's columns
    assert {r["doc"] for r in rows} == {"000_4cdbba2a142b4d11"}
    got = [tuple(r[c] if r[c] is not None else "" for c in COLUMNS) for r in rows]
    assert got == KEY_TASKS


def expected_pairs() -> dict[tuple[str, str], int]:
    """Shared tasks per unordered pair, counted from the golden table (not from the graph)."""
    pairs: dict[tuple[str, str], int] = {}
    for row in KEY_TASKS:
        units = [u for u in (row[3] + "、" + row[4]).split("、") if u]
        for a, b in combinations(sorted(set(units)), 2):
            pairs[(a, b)] = pairs.get((a, b), 0) + 1
    return pairs


def test_shared_responsibilities_counts_every_pair(run_stored):
    rows = run_stored("shared_responsibilities")
    assert list(rows[0]) == ["doc", "unit_a", "unit_b", "shared"]
    assert {(r["unit_a"], r["unit_b"]): r["shared"] for r in rows} == expected_pairs()
    assert [r["shared"] for r in rows] == sorted((r["shared"] for r in rows), reverse=True)
    # read off the table: 市住建局 and 市发改局 share tasks 7, 10, 12, 13, 14, 32
    assert rows[0]["shared"] == 6
    top = {(r["unit_a"], r["unit_b"]) for r in rows if r["shared"] == 6}
    assert top == {("市住建局", "市发改局"), ("市经信局", "市财政局")}


def test_unit_workload(run_stored):
    rows = {r["unit"]: (r["lead_tasks"], r["co_tasks"], r["total"]) for r in run_stored("unit_workload")}
    # 市发改局 leads 4, 7, 9, 10, 12, 13, 14, 16, 28 and co-operates on 2, 5, 6, 18, 23, 25, 26, 32
    assert rows["市发改局"] == (9, 8, 17)
    assert rows["市住建局"] == (0, 7, 7)          # 3, 7, 10, 12, 13, 14, 32
    assert rows["市税务局"] == (1, 2, 3)          # leads 1; co on 17, 20
    assert rows["各行政执法监管单位"] == (0, 1, 1)
    lead_total = sum(v[0] for v in rows.values())
    assert lead_total == 32                        # one lead per task
    assert sum(v[1] for v in rows.values()) == sum(len([u for u in r[4].split("、") if u]) for r in KEY_TASKS)


def test_targets_rows_and_hand_checked_quantities(run_stored):
    rows = run_stored("targets")
    assert list(rows[0]) == ["doc", "task_no", "target_no", "value", "unit", "comparator", "year", "text"]
    assert len(rows) == 75
    got = {(r["task_no"], r["target_no"], r["value"], r["unit"], r["comparator"], r["year"] or "") for r in rows}
    for expected in QUANTITIES:
        assert expected in got, expected
    assert not any(r["task_no"] == 1 and r["unit"] == "%" and r["value"] == 25 for r in rows)  # 减按25% is a rate


def test_narrative_measures(run_stored):
    rows = run_stored("narrative_measures")
    assert [(r["pillar"], r["units"]) for r in rows] == [(PILLARS[p - 1], u) for p, u, _ in NARRATIVE]
    for row, (_, _, start) in zip(rows, NARRATIVE):
        assert row["text"].startswith(start)


@pytest.mark.parametrize("fmt,first", [("csv", "doc,no,title,pillar"), ("tsv", "doc\tno\ttitle\tpillar")])
def test_query_cli_writes_a_header_row(capsys, fmt, first):
    from policykg.cli import main
    assert main(["query", "key_tasks", "--format", fmt]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(first) and len(out) == 33
