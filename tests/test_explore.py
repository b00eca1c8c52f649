"""Fast checks of the notebooks' library, ``policykg.use.explore``, on the committed graph."""

from __future__ import annotations

import os
import warnings
from html.parser import HTMLParser

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest

pd = pytest.importorskip("pandas")
matplotlib = pytest.importorskip("matplotlib")

import networkx as nx  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from policykg.use import analyze, explore  # noqa: E402
from policykg.errors import QueryError  # noqa: E402
from policykg.use.visualize import render_page  # noqa: E402

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def g():
    """The seed document of the corpus in graph/ (the notebooks 01-03 study it alone)."""
    return explore.load(doc=explore.SEED)


@pytest.fixture(scope="module")
def targets(g):
    return explore.query_frame("targets", g)


@pytest.fixture(scope="module")
def tasks(g):
    return explore.query_frame("key_tasks", g)


@pytest.fixture(scope="module")
def units(g):
    return analyze.unit_projection(analyze.task_unit_graph(g))


@pytest.fixture()
def cjk_font():
    """Run with a CJK font configured; rcParams are restored afterwards."""
    with matplotlib.rc_context():
        try:
            name = explore.use_chinese_font()
        except RuntimeError as exc:
            if os.environ.get("CI"):
                pytest.fail(f"CI must have a CJK font: {exc}")
            pytest.skip(f"no CJK font installed ({explore.FONT_PACKAGE}); CI installs one")
        yield name


def bars(fig: Figure) -> list[Rectangle]:
    ax = fig.axes[0]
    return [p for p in ax.patches if isinstance(p, Rectangle)]


# ---------------------------------------------------------------- data


def test_load_defaults_to_the_projects_graph(g):
    corpus = explore.load()
    assert len(corpus) > 8000
    assert explore.load() is corpus  # cached, like the CLI's loader
    assert g.store is corpus and g.doc == explore.SEED  # doc= narrows the same store to one document


def test_load_names_the_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="policykg build"):
        explore.load(tmp_path / "nope.ttl")


def test_key_tasks_frame(tasks):
    assert list(tasks.columns) == ["doc", "no", "title", "pillar", "lead_units", "co_units", "leader", "liaison",
                                   "phase", "n_targets", "n_measures"]
    assert len(tasks) == 32
    assert list(tasks["no"]) == list(range(1, 33))
    assert tasks.loc[0, "title"] == "强化财税政策保障"


def test_targets_frame(targets):
    assert list(targets.columns) == ["doc", "task_no", "target_no", "value", "unit", "comparator", "year", "text"]
    assert len(targets) == 75  # the quantities of the 全市目标 cells, goals of the body excluded
    assert set(targets["comparator"]) <= set(explore.COMPARATORS)


def test_query_frame_binds_parameters(g, targets):
    due = explore.query_frame("targets_due_in_year", g, year=2025)
    assert (due["kind"] == "target").sum() == (targets["year"] == "2025").sum() == 11
    with pytest.raises(QueryError):
        explore.query_frame("targets", g, year=2025)


def test_ontology_terms_are_labelled_in_both_languages():
    terms = explore.ontology_terms()
    assert list(terms.columns) == ["kind", "term", "label_zh", "label_en", "definition_zh", "definition_en"]
    assert set(terms["kind"]) == {"class", "object property", "datatype property"}
    assert (terms["label_zh"] != "").all() and (terms["label_en"] != "").all()
    row = terms.set_index("term").loc["pkg:KeyTask"]
    assert (row["kind"], row["label_zh"], row["label_en"]) == ("class", "重点工作", "key task")
    assert terms["term"].is_unique


def test_class_counts(g):
    counts = explore.class_counts(g).set_index("class")["instances"]
    assert counts["pkg:KeyTask"] == 32
    assert counts["pkg:NarrativeMeasure"] == 16
    assert counts["pkg:Quantity"] == 75 + 8  # targets' quantities and the overall goals'
    assert not any(c.startswith("owl:") for c in counts.index)


def test_graph_summary(g):
    summary = explore.graph_summary(g)
    assert summary["triples"] == len(g)
    assert 0 < summary["ontology_triples"] < summary["triples"]
    assert summary["nodes"] > 1000


def test_task_spans_and_source_excerpt(g, source_lines):
    spans = explore.task_spans(17, g)  # split across a page break
    assert spans[["start_line", "end_line"]].values.tolist() == [[327, 338], [339, 350]]
    text = explore.source_excerpt(spans)
    lines = text.splitlines()
    assert len(lines) == (338 - 327 + 1) + 1 + (350 - 339 + 1)
    assert lines[12] == "…"
    assert lines[1] == f" 328 │ {source_lines[327]}"
    assert "（十七）实施“千团万企”行动助力民营企业拓市场" in lines[1]


def test_task_spans_agree_with_the_stored_query(g):
    stored = explore.query_frame("task_provenance", g).set_index("no")["spans"]
    for no in (1, 3, 32):
        spans = explore.task_spans(no, g)
        assert "; ".join(f"{a}-{b}" for a, b in zip(spans["start_line"], spans["end_line"])) == stored[no]


# ---------------------------------------------------------------- network tables


def test_centrality_frame(g, units):
    frame = explore.centrality_frame(units)
    assert list(frame.columns) == ["unit", "lead", "co", "degree", "weighted_degree", "betweenness", "eigenvector"]
    assert len(frame) == 42 and frame["unit"].is_unique
    assert frame.loc[0, "unit"] == "市发改局"
    shared = explore.query_frame("shared_responsibilities", g)["shared"].sum()
    assert frame["weighted_degree"].sum() == 2 * shared
    workload = explore.query_frame("unit_workload", g).set_index("unit")
    merged = frame.set_index("unit").join(workload)
    assert (merged["lead"] == merged["lead_tasks"]).all() and (merged["co"] == merged["co_tasks"]).all()


def test_community_frame(units):
    frame = explore.community_frame(units)
    assert frame["size"].sum() == units.number_of_nodes()
    assert list(frame["size"]) == sorted(frame["size"], reverse=True)
    members = [m for row in frame["members"] for m in row.split("、")]
    assert sorted(members) == sorted(units.nodes[n]["label"] for n in units.nodes)


# ---------------------------------------------------------------- fonts


def test_use_chinese_font_picks_a_cjk_font(cjk_font, tmp_path):
    assert cjk_font in explore.CJK_FONTS
    assert matplotlib.rcParams["font.sans-serif"][0] == cjk_font
    fig = Figure()
    fig.subplots().set_title("重点工作实施阶段 ≥ ≤ ≈")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(tmp_path / "zh.png")
    assert not [w for w in caught if "missing from font" in str(w.message)]


def test_use_chinese_font_names_the_package_when_none_is_found(monkeypatch):
    monkeypatch.setattr(explore, "CJK_FONTS", ("No Such Font 42",))
    with matplotlib.rc_context(), pytest.raises(RuntimeError, match="fonts-wqy-microhei"):
        explore.use_chinese_font()


# ---------------------------------------------------------------- plots


def test_plots_leave_pyplot_alone(targets, tasks):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    explore.plot_targets_by_year(targets)
    explore.plot_targets_by_comparator(targets)
    assert plt.get_fignums() == before


def test_plot_targets_by_year(targets, cjk_font):
    fig = explore.plot_targets_by_year(targets)
    assert isinstance(fig, Figure)
    heights = [int(b.get_height()) for b in bars(fig)]
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["2023", "2025", explore.NO_YEAR]
    assert heights == [38, 11, 26] and sum(heights) == len(targets)


def test_plot_targets_by_unit(targets, tasks, cjk_font):
    fig = explore.plot_targets_by_unit(targets, tasks)
    counts = explore.targets_per_lead_unit(targets, tasks)
    heights = [int(b.get_width()) for b in bars(fig)]
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == list(counts.index) and heights == list(counts.values)
    assert len(labels) == 14 and labels[0] == "市科技局"
    assert sum(heights) == len(targets)  # every task of the list has exactly one lead unit


def test_plot_targets_by_comparator(targets, cjk_font):
    fig = explore.plot_targets_by_comparator(targets)
    heights = [int(b.get_height()) for b in bars(fig)]
    assert len(heights) == 4 and sum(heights) == 75
    assert heights == [int((targets["comparator"] == c).sum()) for c in explore.COMPARATORS]


def test_plot_phases_gantt(g, cjk_font):
    net_tasks = explore.query_frame("net_tasks", g)
    phases = explore.query_frame("tasks_by_phase", g)
    fig = explore.plot_phases_gantt(net_tasks, phases)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 32
    assert labels[0] == "（一）强化财税政策保障" and labels[-1].startswith("（三十二）")
    rects = bars(fig)
    assert len(rects) == 32
    hatched = [r for r in rects if r.get_hatch()]
    assert len(hatched) == (net_tasks["phase"] == "长期实施").sum() == 25
    widths = {net_tasks.loc[i, "phase"]: round(r.get_width(), 6) for i, r in enumerate(rects) if not r.get_hatch()}
    assert widths == {"2023-2025年": 3, "2023-2027年": 5}  # whole years, ends included
    right = ax.get_xlim()[1]
    assert all(r.get_x() == 2023 and r.get_x() + r.get_width() < right for r in hatched)


def test_gantt_labels_without_notation_column(tasks, g):
    phases = explore.query_frame("tasks_by_phase", g)
    net_tasks = explore.query_frame("net_tasks", g)
    derived = explore.plot_phases_gantt(tasks, phases).axes[0].get_yticklabels()
    written = explore.plot_phases_gantt(net_tasks, phases).axes[0].get_yticklabels()
    assert [t.get_text() for t in derived] == [t.get_text() for t in written]


@pytest.mark.parametrize("n, zh", [(1, "一"), (10, "十"), (11, "十一"), (20, "二十"), (24, "二十四"), (32, "三十二")])
def test_zh_number(n, zh):
    assert explore._zh_number(n) == zh


# ---------------------------------------------------------------- inline page


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_inline_page_escapes_everything_into_srcdoc():
    graph = nx.Graph()
    graph.add_node("a", label=XSS, kind="unit", title=XSS)
    graph.add_node("b", label='"引号" & \'单引号\' </iframe>', kind="unit")
    graph.add_edge("a", "b")
    title = f'{XSS} "</iframe><script>alert(2)</script>'
    out = explore.inline_page(graph, title).data
    assert "<img" not in out and "<script" not in out and out.count("</iframe>") == 1
    parser = _Tags()
    parser.feed(out)
    assert [tag for tag, _ in parser.tags] == ["div", "iframe"]
    attrs = parser.tags[1][1]
    assert attrs["srcdoc"] == render_page(graph, title=title)  # unescaped by the browser, byte for byte
    assert attrs["title"] == title
    assert attrs["sandbox"] == "allow-scripts"
