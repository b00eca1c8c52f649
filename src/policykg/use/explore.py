"""The notebooks' library: the graph as pandas tables, matplotlib figures and inline pages.

The notebooks in ``notebooks/`` hold no logic of their own, only calls into
this module, so that what they show is tested (``tests/test_explore.py``) and
a reader can reuse every table and figure outside Jupyter. Tables come from the
stored queries (``queries/*.rq``), the same ones the CLI and the endpoint run,
so a notebook never disagrees with ``policykg query``.

**A corpus.** ``graph/`` holds a corpus: every document in its own named
graph. ``load(doc=ID)`` (or ``query_frame(name, doc=ID)``) narrows the store
to one document, so the tables of one document read as they did when it was
built alone; without ``doc`` a query sees every document, and its ``doc``
column says which row comes from where. The corpus tour (:func:`documents`,
:func:`records_per_document`, :func:`unit_duties`, :func:`lineage`, …) is
what ``notebooks/04_corpus.ipynb`` shows.

The graph is the Oxigraph store :func:`load` opens (``graph/store``, written by
``policykg build``), the same one ``policykg query`` reads; rdflib is not
imported here.

Everything except :func:`load` and :func:`use_chinese_font` is a pure function
of its arguments: figures are built as :class:`matplotlib.figure.Figure`
objects without pyplot, so nothing piles up in pyplot's global figure list
and a notebook shows each figure exactly once (as the cell's value).
Matplotlib's default font has no Chinese glyphs: call :func:`use_chinese_font`
once before plotting, or the labels come out as empty boxes.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
import pyoxigraph as ox

from policykg.kg.store import open_graph, short_name
from policykg.kg.documents import scoped
from policykg.kg.query import find_query, run_query
from policykg.resources import ontology_path, project_root, seed_id
from policykg.vocab import PKG_NS, sparql_prefixes

__all__ = [
    "CJK_FONTS", "SEED", "documents", "jurisdictions", "lineage", "plot_records_per_document",
    "records_per_document", "shared_across_corpus", "unit_duties", "units_in_several_documents",
    "FONT_PACKAGE", "centrality_frame", "class_counts", "community_frame", "graph_summary",
    "inline_page", "load", "ontology_terms", "plot_phases_gantt", "plot_targets_by_comparator",
    "plot_targets_by_unit", "plot_targets_by_year", "query_frame", "source_excerpt",
    "targets_per_lead_unit", "task_spans", "use_chinese_font",
]



def __getattr__(name: str) -> str:
    """``SEED``: the id of the seed document notebooks 01–03 study (:func:`policykg.resources.seed_id`),
    read from ``sources/`` only when asked for, so the module imports where there is none."""
    if name == "SEED":
        return seed_id()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: CJK fonts tried in this order. WenQuanYi Micro Hei is what CI installs
#: (Debian ``fonts-wqy-microhei``); the Noto/Source Han families are what
#: most desktops already have.
CJK_FONTS = (
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Source Han Sans SC",
    "Source Han Sans CN",
)
#: The Debian package to install when no CJK font is found.
FONT_PACKAGE = "fonts-wqy-microhei"
#: Font files worth registering when matplotlib's font cache predates them.
_CJK_FILE = re.compile(r"wqy|wenquanyi|notosanscjk|noto.*cjk|sourcehansans", re.I)

#: The comparators of ``pkg:comparator`` in reading order, with axis labels.
COMPARATORS = {
    ">=": "≥ 不低于/以上\nat least",
    "<=": "≤ 不超过/以内\nat most",
    "~": "≈ 左右/约\nabout",
    "=": "= 达到\nexactly",
}
#: The bar label of quantities whose text states no due year.
NO_YEAR = "未写明\nnone stated"

_KIND = {"Class": "class", "ObjectProperty": "object property", "DatatypeProperty": "datatype property"}


# ---------------------------------------------------------------- data


def load(graph_path: str | Path | None = None, doc: str | None = None):
    """The store of the built graph, with the ontology in it for class and property labels.

    ``doc`` (a document's short id, e.g. :data:`SEED`) narrows a corpus store to
    that document (:func:`policykg.kg.documents.scoped`): every function of this module
    taking ``graph`` then sees that document alone.

    Defaults to the project's ``graph/`` (not the current directory's:
    Jupyter runs notebooks from ``notebooks/``): its store, or its Turtle file
    when the store has not been built. ``graph_path`` may name a store folder,
    an output folder or a ``.ttl``/``.nt`` file. Cached, like the CLI's loader,
    so calling it in every notebook cell costs nothing.
    """
    if graph_path is not None and not Path(graph_path).exists():
        raise FileNotFoundError(f"no graph at {graph_path}: build it first with 'policykg build'")
    store = open_graph(None if graph_path is None else str(Path(graph_path).resolve()))
    return scoped(store, doc)


def query_frame(name: str, graph: Any = None, doc: str | None = None, **params: Any) -> pd.DataFrame:
    """A stored query's result as a DataFrame (columns in the query's order).

    ``doc`` runs it on one document of the corpus, as ``policykg query NAME
    --doc ID`` does. Other keyword arguments bind the query's ``@param``
    values, as ``--param k=v`` does. Unbound cells are empty strings, as in the
    CLI's CSV output, so a table reads the same in both places.
    """
    graph = load() if graph is None else graph
    columns, rows = run_query(graph, find_query(name), {k: str(v) for k, v in params.items()}, doc=doc)
    return pd.DataFrame(rows, columns=columns)


def _select(graph: Any, text: str) -> list[dict[str, Any]]:
    """Rows of an ad-hoc SELECT as dicts of plain values (for the tables below)."""
    from policykg.kg.query import inline_query
    columns, rows = run_query(graph, inline_query(text))
    return [dict(zip(columns, row)) for row in rows]


_TERMS = sparql_prefixes(("owl", "rdfs", "skos", "pkg")) + """
SELECT ?term ?kind ?label_zh ?label_en ?definition_zh ?definition_en WHERE {
  VALUES ?kind { owl:Class owl:ObjectProperty owl:DatatypeProperty }
  ?term a ?kind .
  FILTER(isIRI(?term) && STRSTARTS(STR(?term), STR(pkg:)))
  OPTIONAL { SELECT ?term (MIN(STR(?l)) AS ?label_zh) WHERE { ?term rdfs:label ?l FILTER(LANG(?l) = "zh") } GROUP BY ?term }
  OPTIONAL { SELECT ?term (MIN(STR(?l)) AS ?label_en) WHERE { ?term rdfs:label ?l FILTER(LANG(?l) = "en") } GROUP BY ?term }
  OPTIONAL { SELECT ?term (MIN(STR(?d)) AS ?definition_zh) WHERE { ?term skos:definition ?d FILTER(LANG(?d) = "zh") } GROUP BY ?term }
  OPTIONAL { SELECT ?term (MIN(STR(?d)) AS ?definition_en) WHERE { ?term skos:definition ?d FILTER(LANG(?d) = "en") } GROUP BY ?term }
}
"""


def ontology_terms(path: str | Path | None = None) -> pd.DataFrame:
    """The ontology's classes and properties with their Chinese and English labels.

    Read from ``ontology.ttl`` itself (not from a built graph) so the table
    documents the vocabulary even before anything is built. Sorted classes
    first, then object and datatype properties, each alphabetically.
    """
    onto = ox.Store()
    onto.load(path=str(path or ontology_path()), format=ox.RdfFormat.TURTLE)
    order = {kind: i for i, kind in enumerate(_KIND.values())}
    rows = []
    for r in _select(onto, _TERMS):
        rows.append({"kind": _KIND[r["kind"].rsplit("#", 1)[1]], "term": "pkg:" + r["term"][len(PKG_NS):],
                     **{k: r[k] for k in ("label_zh", "label_en", "definition_zh", "definition_en")}})
    rows.sort(key=lambda r: (order[r["kind"]], r["term"]))
    return pd.DataFrame(rows, columns=["kind", "term", "label_zh", "label_en", "definition_zh", "definition_en"])


_SUMMARY = """
SELECT (COUNT(*) AS ?triples) WHERE { ?s ?p ?o }
"""
_NODES = """
SELECT (COUNT(DISTINCT ?n) AS ?nodes) WHERE { { ?n ?p ?o } UNION { ?s ?p ?n FILTER(!isLiteral(?n)) } }
"""
_LITERALS = """
SELECT (COUNT(DISTINCT ?o) AS ?literals) WHERE { ?s ?p ?o FILTER(isLiteral(?o)) }
"""


def graph_summary(graph: ox.Store) -> pd.Series:
    """Size of the loaded graph: triples, nodes (IRIs and blank nodes), literals.

    The loaded graph includes the ontology (see :func:`load`), so ``triples``
    is the data plus the vocabulary; ``ontology_triples`` says how much of it
    is vocabulary.
    """
    onto = ox.Store()
    onto.load(path=str(ontology_path()), format=ox.RdfFormat.TURTLE)
    return pd.Series({"triples": _select(graph, _SUMMARY)[0]["triples"], "ontology_triples": len(onto),
                      "nodes": _select(graph, _NODES)[0]["nodes"],
                      "literals": _select(graph, _LITERALS)[0]["literals"]}, name="count")


_CLASSES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?class (COUNT(*) AS ?instances)
       (SAMPLE(?zh) AS ?label_zh) (SAMPLE(?en) AS ?label_en) WHERE {
  ?x a ?class .
  FILTER(isIRI(?class) && !STRSTARTS(STR(?class), "http://www.w3.org/2002/07/owl#"))
  OPTIONAL { SELECT ?class (MIN(STR(?l)) AS ?zh) WHERE { ?class rdfs:label ?l FILTER(LANG(?l) = "zh") } GROUP BY ?class }
  OPTIONAL { SELECT ?class (MIN(STR(?l)) AS ?en) WHERE { ?class rdfs:label ?l FILTER(LANG(?l) = "en") } GROUP BY ?class }
} GROUP BY ?class
"""


def class_counts(graph: ox.Store) -> pd.DataFrame:
    """Instances per class, most first, with the class's zh/en labels.

    OWL's own classes (the ontology's declarations of its terms) are left
    out: the table is about the document's data, not about the vocabulary.
    """
    rows = [{"class": short_name(r["class"]), "label_zh": r["label_zh"], "label_en": r["label_en"],
             "instances": r["instances"]} for r in _select(graph, _CLASSES)]
    rows.sort(key=lambda r: (-r["instances"], r["class"]))
    return pd.DataFrame(rows, columns=["class", "label_zh", "label_en", "instances"])


_SPANS = sparql_prefixes(("pkg", "prov")) + """
SELECT ?file ?start ?end WHERE {
  ?task a pkg:KeyTask ; pkg:taskNumber ?no ; prov:wasDerivedFrom ?s .
  ?s pkg:startLine ?start ; pkg:endLine ?end ; prov:hadPrimarySource/pkg:fileName ?file .
} ORDER BY ?file ?start ?end
"""


def task_spans(number: int, graph: ox.Store) -> pd.DataFrame:
    """The source line ranges key task ``number`` was read from (``file``, ``start_line``, ``end_line``).

    The stored query ``task_provenance`` gives the ranges as one string per
    task; this gives them one per row with the source file, ready for
    :func:`source_excerpt`.
    """
    text = _SPANS.replace("WHERE {", f"WHERE {{\n  VALUES ?no {{ {int(number)} }}", 1)
    rows = [(str(r["file"]), int(r["start"]), int(r["end"])) for r in _select(graph, text)]
    return pd.DataFrame(rows, columns=["file", "start_line", "end_line"])


def source_excerpt(spans: pd.DataFrame, sources_dir: str | Path | None = None) -> str:
    """The source lines of ``spans`` (from :func:`task_spans`), numbered like an editor.

    Ranges are separated by ``…`` lines so a task split across pages shows
    where the page break fell. Lines are read from ``sources/`` of the project.
    """
    from policykg.ingest.read import read_source
    directory = Path(sources_dir) if sources_dir is not None else project_root() / "sources"
    out: list[str] = []
    cache: dict[str, tuple[str, ...]] = {}
    for file, start, end in spans[["file", "start_line", "end_line"]].itertuples(index=False):
        if file not in cache:        # lines as the build numbered them (a U+2028 is text, not a line end)
            cache[file] = read_source(directory / file).lines
        lines = cache[file]
        if out:
            out.append("…")
        out += [f"{n:>4} │ {lines[n - 1]}" for n in range(start, end + 1)]
    return "\n".join(out)


# ---------------------------------------------------------------- network tables


def centrality_frame(unit_graph: nx.Graph) -> pd.DataFrame:
    """The unit network's centralities as a table, heaviest coordination load first.

    Columns: ``unit``; ``lead``/``co`` — key tasks it leads / co-operates on;
    ``degree``, ``weighted_degree``, ``betweenness``, ``eigenvector`` as
    defined in :func:`policykg.use.analyze.centralities` (computed there, so the
    notebook and ``policykg analyze`` report the same numbers).
    """
    from policykg.use.analyze import centralities

    cent = centralities(unit_graph)
    rows = [{"unit": unit_graph.nodes[n].get("label", n), "lead": unit_graph.nodes[n].get("n_lead", 0),
             "co": unit_graph.nodes[n].get("n_co", 0), **cent[n]} for n in unit_graph.nodes]
    frame = pd.DataFrame(rows, columns=["unit", "lead", "co", "degree", "weighted_degree", "betweenness",
                                        "eigenvector"])
    return frame.sort_values(["weighted_degree", "unit"], ascending=[False, True], ignore_index=True)


def community_frame(unit_graph: nx.Graph) -> pd.DataFrame:
    """Louvain communities (:func:`policykg.use.analyze.communities`) as a table, largest first.

    Members are listed by weighted degree so the unit that carries a
    cluster comes first.
    """
    from policykg.use.analyze import communities

    weight = dict(unit_graph.degree(weight="weight"))
    rows = []
    for i, part in enumerate(communities(unit_graph), 1):
        members = sorted(part, key=lambda n: (-weight[n], unit_graph.nodes[n].get("label", n)))
        rows.append({"community": i, "size": len(part),
                     "members": "、".join(str(unit_graph.nodes[n].get("label", n)) for n in members)})
    return pd.DataFrame(rows, columns=["community", "size", "members"])


# ---------------------------------------------------------------- fonts


def use_chinese_font() -> str:
    """Make matplotlib draw Chinese with an installed CJK font; return the font's name.

    Looks in matplotlib's font list first, then registers matching system
    font files (the cache may predate an ``apt-get install``). Never
    downloads anything: with no CJK font installed it raises and names the
    Debian package to install, because silently drawing boxes is worse.
    """
    import matplotlib
    from matplotlib import font_manager

    name = _installed_cjk_font(font_manager.fontManager)
    if name is None:
        for path in font_manager.findSystemFonts():
            if _CJK_FILE.search(Path(path).name):
                font_manager.fontManager.addfont(path)
        name = _installed_cjk_font(font_manager.fontManager)
    if name is None:
        raise RuntimeError(f"no CJK font found for matplotlib (tried {', '.join(CJK_FONTS)}); "
                           f"install one, e.g. 'apt-get install {FONT_PACKAGE}' on Debian/Ubuntu")
    rest = [f for f in matplotlib.rcParams["font.sans-serif"] if f != name]
    matplotlib.rcParams["font.sans-serif"] = [name, *rest]
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["axes.unicode_minus"] = False  # the CJK fonts lack U+2212
    return name


def _installed_cjk_font(manager: Any) -> str | None:
    """The first of :data:`CJK_FONTS` matplotlib knows, if any."""
    known = {f.name for f in manager.ttflist}
    return next((name for name in CJK_FONTS if name in known), None)


# ---------------------------------------------------------------- plots


def plot_targets_by_year(targets: pd.DataFrame) -> Figure:
    """Bar chart: how many quantified levels fall due in each year (frame of query ``targets``).

    Many targets name no year ("每年…", "年底前…"); they get their own bar
    rather than vanishing, since how much of the plan is undated is itself
    a finding.
    """
    years = targets["year"].fillna("").astype(str)
    dated = sorted(y for y in set(years) if y)
    keys = dated + ([""] if (years == "").any() else [])
    labels = [y or NO_YEAR for y in keys]
    values = [int((years == y).sum()) for y in keys]
    fig = Figure(figsize=(6.5, 3.8), layout="constrained")
    ax = fig.subplots()
    bars = ax.bar(labels, values, color="#4c72b0")
    ax.bar_label(bars, padding=2)
    ax.set_title("量化指标的完成年份 / Quantities by due year")
    ax.set_xlabel("完成年份 / due year")
    ax.set_ylabel("量化指标数 / quantities")
    ax.margins(y=0.12)
    return fig


def targets_per_lead_unit(targets: pd.DataFrame, tasks: pd.DataFrame) -> pd.Series:
    """Quantities per lead unit: each quantity counts once for every lead unit of its task.

    ``tasks`` is the frame of ``key_tasks`` (its ``lead_units`` are joined
    with 、). Sorted most first, ties by unit name.
    """
    lead = tasks.set_index("no")["lead_units"].fillna("").astype(str).str.split("、")
    units = targets["task_no"].map(lead).explode()
    units = units[units.fillna("") != ""]
    counts = units.value_counts()
    order = sorted(counts.index, key=lambda u: (-counts[u], u))
    return counts.loc[order].rename("quantities")


def plot_targets_by_unit(targets: pd.DataFrame, tasks: pd.DataFrame) -> Figure:
    """Horizontal bars: how many quantified levels each lead unit answers for.

    ``targets`` and ``tasks`` are the frames of the stored queries ``targets``
    and ``key_tasks``. The lead unit is the one held to the number, so this
    is where the measurable part of the plan lands.
    """
    counts = targets_per_lead_unit(targets, tasks)
    fig = Figure(figsize=(7, 0.38 * len(counts) + 1.4), layout="constrained")
    ax = fig.subplots()
    bars = ax.barh(list(counts.index), list(counts.values), color="#55a868")
    ax.bar_label(bars, padding=2)
    ax.invert_yaxis()
    ax.set_title("各牵头单位承担的量化指标 / Quantities per lead unit")
    ax.set_xlabel("量化指标数 / quantities")
    ax.margins(x=0.1)
    return fig


def plot_targets_by_comparator(targets: pd.DataFrame) -> Figure:
    """Bar chart: how the quantified levels are phrased — floors, ceilings, approximations, exact.

    One bar per comparator of the ontology, in a fixed order and including
    empty ones, so charts of different documents line up.
    """
    counts = targets["comparator"].value_counts()
    fig = Figure(figsize=(6.5, 3.8), layout="constrained")
    ax = fig.subplots()
    bars = ax.bar(list(COMPARATORS.values()), [int(counts.get(c, 0)) for c in COMPARATORS], color="#c44e52")
    ax.bar_label(bars, padding=2)
    ax.set_title("量化指标的比较关系 / Quantities by comparator")
    ax.set_ylabel("量化指标数 / quantities")
    ax.margins(y=0.12)
    return fig


#: Width (in years) of the zone right of the last dated year where open-ended phases point.
OPEN_END_ROOM = 0.8
_PILLAR_COLORS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c")


def plot_phases_gantt(tasks: pd.DataFrame, phases: pd.DataFrame) -> Figure:
    """Gantt-like chart of the key tasks' implementation phases.

    ``tasks`` is the frame of ``net_tasks`` or ``key_tasks`` (``no``,
    ``title``, ``phase``; ``notation`` and ``pillar`` when present) and
    ``phases`` that of ``tasks_by_phase``. A bar spans whole years (2023-2025年
    runs to the end of 2025). 长期实施 states no years at all: its bar starts
    at the plan's first year and runs hatched to the right edge with an
    arrow, because it has no end — drawing it like a dated phase would
    invent a deadline the document does not set. Bars are coloured by pillar.
    """
    spans = _phase_years(phases)
    first = min((s for s, _ in spans.values() if s is not None), default=2023)
    last = max((e for _, e in spans.values() if e is not None), default=first)
    right = last + 1 + OPEN_END_ROOM  # past the end of the last dated year, room for the arrows
    pillars = list(dict.fromkeys(tasks["pillar"])) if "pillar" in tasks else []
    color = {p: _PILLAR_COLORS[i % len(_PILLAR_COLORS)] for i, p in enumerate(pillars)}

    fig = Figure(figsize=(10, 0.28 * len(tasks) + 1.8), layout="constrained")
    ax = fig.subplots()
    for y, task in enumerate(tasks.itertuples(index=False)):
        start, end = spans.get(task.phase, (None, None))
        c = color.get(getattr(task, "pillar", None), _PILLAR_COLORS[0])
        if end is None:  # open-ended: hatched to the edge, arrow beyond
            left = first if start is None else start
            ax.barh(y, right - 0.3 - left, left=left, height=0.6, color=c, alpha=0.45, hatch="///",
                    edgecolor=c)
            ax.annotate("", xy=(right, y), xytext=(right - 0.35, y),
                        arrowprops={"arrowstyle": "-|>", "color": c, "lw": 1.5})
        else:
            ax.barh(y, end + 1 - start, left=start, height=0.6, color=c)
    ax.set_yticks(range(len(tasks)), [_task_label(t) for t in tasks.itertuples(index=False)], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(first, right)
    ax.set_xticks([y + 0.5 for y in range(first, last + 1)] + [(last + 1 + right) / 2],
                  [str(y) for y in range(first, last + 1)] + ["长期\nongoing"])
    ax.set_xticks(range(first, last + 2), minor=True)
    ax.grid(axis="x", which="minor", color="#dddddd")
    ax.axvline(last + 1, color="#999999", lw=0.8, ls="--")
    ax.tick_params(axis="x", which="major", length=0)
    ax.set_title("重点工作实施阶段 / Implementation phases of the key tasks")
    handles = [Patch(color=color[p], label=p) for p in pillars]
    handles.append(Patch(facecolor="white", edgecolor="#555555", hatch="///", label="长期实施 / open-ended"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    return fig


def _phase_years(phases: pd.DataFrame) -> dict[str, tuple[int | None, int | None]]:
    """Phase label → (start year, end year); None where the graph states none."""
    def year(value: Any) -> int | None:
        text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
        match = re.match(r"-?\d{4}", text)
        return int(match.group()) if match else None
    return {str(r.phase): (year(r.start_year), year(r.end_year)) for r in phases.itertuples(index=False)}


_ZH_DIGITS = "零一二三四五六七八九"


def _zh_number(n: int) -> str:
    """1 → 一, 10 → 十, 24 → 二十四: the document's numbering of key tasks."""
    if n < 10:
        return _ZH_DIGITS[n]
    tens, ones = divmod(n, 10)
    return (_ZH_DIGITS[tens] if tens > 1 else "") + "十" + (_ZH_DIGITS[ones] if ones else "")


def _task_label(task: Any) -> str:
    """（七）向民营企业推介三张项目清单: the notation as written, else derived from the number."""
    notation = getattr(task, "notation", "") or f"（{_zh_number(int(task.no))}）"
    return f"{notation}{task.title}"


# ---------------------------------------------------------------- pages


def inline_page(nx_graph: nx.Graph, title: str, height: int = 640):
    """The offline network page of ``nx_graph`` for a notebook cell (an IPython ``HTML``).

    A pyvis page is a whole HTML document with its own scripts and styles;
    injected into the notebook it would clash with Jupyter's page, so it goes
    into an ``<iframe srcdoc=…>``. The page is attribute-escaped (``&``, ``<``,
    ``>`` and both quotes), so no text of the document — which may hold ``<``
    or quotes — can end the attribute and become markup of the notebook. The
    frame is sandboxed to scripts only: the page needs nothing else. It takes
    the cell's width (as a block, borders included) and ``height`` pixels; the
    page fits and centres the network in whatever size the frame gets, also
    when Jupyter lays the cell out after the page has loaded (it refits until
    the reader zooms or drags), and below 900 px wide its side panel narrows.
    """
    from IPython.display import HTML

    from policykg.use.visualize import render_page

    page = render_page(nx_graph, title=title)
    frame = (f'<iframe srcdoc="{html.escape(page, quote=True)}" title="{html.escape(title, quote=True)}" '
             f'sandbox="allow-scripts" style="display:block;box-sizing:border-box;width:100%;'
             f'height:{int(height)}px;border:1px solid #ddd">'
             f"</iframe>")
    # wrapped in a div: IPython warns about bare <iframe> HTML and suggests IFrame, which needs a URL
    return HTML(f'<div class="policykg-page">{frame}</div>')


# ---------------------------------------------------------------- the corpus


def documents(graph: Any = None) -> pd.DataFrame:
    """The corpus's documents: id, title, issuer, date of issue, jurisdiction and level (query ``documents``)."""
    return query_frame("documents", graph)


def jurisdictions(graph: Any = None) -> pd.DataFrame:
    """Documents per jurisdiction, national level first (query ``documents_by_jurisdiction``)."""
    return query_frame("documents_by_jurisdiction", graph)


def records_per_document(graph: Any = None) -> pd.DataFrame:
    """Responsibility records, key tasks, narrative measures, deadlines and units per document,
    with each document's short title and jurisdiction (queries ``records_per_document`` and ``documents``)."""
    counts = query_frame("records_per_document", graph)
    docs = documents(graph)[["doc", "title", "jurisdiction", "level"]]
    return docs.merge(counts, on="doc", how="left")


def plot_records_per_document(frame: pd.DataFrame) -> Figure:
    """Horizontal bars: responsibility records per document (frame of :func:`records_per_document`),
    key tasks and narrative measures apart from the other records."""
    labels = [f"{r.doc[:28]}（{r.jurisdiction}）" for r in frame.itertuples(index=False)]
    tasks = frame["key_tasks"].astype(int)
    narrative = frame["narrative"].astype(int)
    other = frame["records"].astype(int) - tasks - narrative
    fig = Figure(figsize=(8, 0.42 * len(frame) + 1.6), layout="constrained")
    ax = fig.subplots()
    ax.barh(labels, other, color="#4c72b0", label="记录 / records")
    ax.barh(labels, tasks, left=other, color="#dd8452", label="重点工作 / key tasks")
    ax.barh(labels, narrative, left=other + tasks, color="#55a868", label="主要举措 / narrative measures")
    ax.invert_yaxis()
    ax.set_title("各文件的责任记录 / Responsibility records per document")
    ax.set_xlabel("条数 / records")
    ax.legend(loc="lower right", fontsize=8)
    return fig


def unit_duties(unit: str, graph: Any = None) -> pd.DataFrame:
    """What a unit (by any of its names) leads, co-operates on and shares in each document
    (query ``unit_duties``); units of different jurisdictions are separate rows."""
    return query_frame("unit_duties", graph, unit=unit)


def shared_across_corpus(graph: Any = None, top: int | None = None) -> pd.DataFrame:
    """Pairs of units assigned together to records, per jurisdiction (query ``corpus_shared_responsibilities``)."""
    frame = query_frame("corpus_shared_responsibilities", graph)
    return frame if top is None else frame.sort_values(["shared", "jurisdiction", "unit_a", "unit_b"],
                                                       ascending=[False, True, True, True]).head(top)


def units_in_several_documents(graph: Any = None) -> pd.DataFrame:
    """Units assigned work in more than one document (query ``units_in_several_documents``)."""
    return query_frame("units_in_several_documents", graph)


def lineage(graph: Any = None) -> pd.DataFrame:
    """Which document implements or cites which (query ``documents_citing``, every link)."""
    return query_frame("documents_citing", graph)
