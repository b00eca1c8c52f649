"""The networkx graphs behind a document's two interactive pages, and writing the pages.

Every document is drawn from its **responsibility records**, whatever its
layout: the rows of a task list (key tasks), the measures of its body closed by
a responsibility note, the rows of its tables, its narrative measures. A
document whose records come from notes or row tables is drawn as fully as one
with a task list (before, pages were built from key tasks only, and eight of
the nine bundled documents drew nothing).

``graph.html`` shows the document as a whole. Of a task list: its pillars, key
tasks, the units that lead or co-operate on them, the leaders and liaisons, the
phases and the topics — targets (about 100) and measures (about 200) are *not*
nodes, they would bury the structure; each task's targets are in its hover
text. Its other records are added beside (the seed's narrative measures, tied
to their pillar, their units and the key tasks they carry out); a document
without a task list shows its records under their headings, and their units.

``units.html`` shows the co-responsibility network: units linked by the records
they share (:func:`policykg.use.networks.responsibility_graph`: key tasks where
there is a task list, else the other records), edges as wide as the number
shared, coloured by Louvain community, sized by the centrality the legend
chooses (weighted degree or betweenness), the five most central named and
listed. The numbers are :mod:`policykg.use.analyze`'s, so the page agrees with
``policykg analyze``, the analysis graph (``query communities``) and the stored
queries ``shared_responsibilities`` / ``corpus_shared_responsibilities``.

Hover texts (``title``) are plain text with line breaks: the page shows them
verbatim, never as HTML. Every node carries ``pillars`` (the pillars or
headings it touches, in the document's order) so the page can filter by them.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import networkx as nx

from policykg.kg.query import find_query, run_query
from policykg.use import analyze, networks
from policykg.use.answers import clip_text
from policykg.use.corpus_page import CORPUS_PAGE_FILES, corpus_unit_network, write_corpus_pages

__all__ = ["CORPUS_PAGE_FILES", "PAGE_FILES", "corpus_unit_network", "full_graph", "unit_network",
           "write_corpus_pages", "write_pages"]

#: Every file :func:`write_pages` writes, in order.
PAGE_FILES = ("graph.html", "units.html", "task_units.graphml", "task_units.gexf", "unit_network.graphml",
              "unit_network.gexf")

#: Display columns of a task's short label (the full title is in its hover text).
LABEL_WIDTH = 24
#: Edge weights of the whole-graph page: a lead assignment pulls harder and draws wider.
LEAD_WEIGHT = 2
OTHER_WEIGHT = 1

ROLE_ZH = {"lead": "牵头", "co": "配合", "joint": "共同负责", "leader": "分管领导", "liaison": "联络员"}
#: Display columns of a record in a hover list (its full text is in its own hover text).
RECORD_WIDTH = 40
#: What the filter of a page groups by: the task list's pillars, else the headings of the records.
PILLAR_LABEL = {networks.BASIS_TASKS: "总体任务", networks.BASIS_RECORDS: "章节"}


def _rows(rdf_graph: Any, name: str) -> list[dict[str, Any]]:
    columns, rows = run_query(rdf_graph, find_query(name))
    return [dict(zip(columns, row)) for row in rows]


def _task_ref(task: dict[str, Any]) -> str:
    """A task as the document writes it: （七）向民营企业推介三张项目清单."""
    return f"{task['notation'] or task['no']}{task['title']}"


def _sorted_pillars(names: set[str], number: dict[str, int], order: dict[str, Any] | None = None) -> list[str]:
    """Pillar names in the document's order (by pillar number), then headings in reading order
    (``order``: the headings first met first), for the page's filter."""
    seen = {h: i for i, h in enumerate(order or ())}
    return sorted(names, key=lambda p: (p not in number, number.get(p, 0), seen.get(p, 0), p))


def _record_ref(records: nx.Graph, rec: str) -> str:
    """A record in a hover list: its text as written, clipped (its own node holds it in full)."""
    return clip_text(records.nodes[rec]["label"], RECORD_WIDTH)


def _record_lines(roles: dict[str, list[str]], records: nx.Graph) -> list[str]:
    """The records a unit holds, grouped by role: 牵头 2 条记录：… / 共同负责 5 条记录：…."""
    lines = []
    for role in ("lead", "co", "joint"):
        held = sorted(set(roles.get(role, ())), key=lambda r: records.nodes[r]["order"])
        if held:
            lines.append(f"{ROLE_ZH[role]} {len(held)} 条记录：")
            lines += [f"  {_record_ref(records, r)}" for r in held]
    return lines


# ---------------------------------------------------------------- whole graph


def full_graph(rdf_graph: Any) -> nx.Graph:
    """The page graph of the whole document.

    Nodes: pillars (``pillar:1`` …), key tasks (``task:1`` …), units
    (``unit:<label>``), persons (``person:<name>``; the table names each
    leader and liaison, and names are unique in it), phases
    (``phase:<label>``) and topics (``topic:<label>``); edges from each task
    to its pillar (kind ``pillar``), units (``lead``/``co``), leader and
    liaison (``leader``/``liaison``), phase (``phase``) and topics
    (``topic``). Then every other record (``record:12``, ``narrative:1-2``,
    kind ``record``), tied to its units (``lead``/``co``/``joint``), to its
    pillar or to its heading (``heading:<text>``, kind ``heading``) and to the
    key tasks it carries out (``carries``).
    """
    tasks = {r["no"]: r for r in _rows(rdf_graph, "net_tasks")}
    assignments = _rows(rdf_graph, "net_task_units")
    people = _rows(rdf_graph, "net_task_people")
    targets = defaultdict(list)
    for r in _rows(rdf_graph, "net_task_targets"):
        targets[r["no"]].append(r)
    topics = _rows(rdf_graph, "net_task_topics")
    records = networks.document_record_graph(rdf_graph)
    pillar_no = {r["pillar"]: r["pillar_no"] for r in tasks.values()}

    g = nx.Graph(name="policykg", pillar_label=PILLAR_LABEL[networks.BASIS_TASKS if tasks else networks.BASIS_RECORDS])
    _add_pillars(g, tasks, pillar_no)      # pillars first: the page lists pillar filters in first-seen order
    _add_tasks(g, tasks, assignments, people, targets)
    _add_records(g, records, pillar_no)
    touched, edges, info = _touched(tasks, assignments, people, topics)
    _touch_records(records, touched, edges, info)
    kind_order = {"unit": 0, "person": 1, "phase": 2, "topic": 3}
    for node in sorted(touched, key=lambda n: (kind_order[touched[n]["kind"]], n)):
        entry = touched[node]
        numbers = sorted({no for nos in entry["tasks"].values() for no in nos})
        groups = {tasks[no]["pillar"] for no in numbers} | set(entry["groups"])
        head = _head(entry, info.get(node))
        title = "\n".join(head + _task_lines(entry["tasks"], tasks) + _record_lines(entry["records"], records))
        g.add_node(node, label=entry["label"], kind=entry["kind"], title=title,
                   pillars=_sorted_pillars(groups, pillar_no, entry["groups"]))
    for a, b, kind, weight in edges:
        if not g.has_edge(a, b):
            g.add_edge(a, b, kind=kind, weight=weight)
    return g


def _add_records(g: nx.Graph, records: nx.Graph, pillar_no: dict[str, int]) -> None:
    """A node per record other than a key task, in reading order, tied to its pillar (a narrative
    measure) or its heading (a node per heading, first met first) and to the key tasks it carries out."""
    side = sorted((n for n, k in records.nodes(data="kind") if k == "record"), key=lambda n: records.nodes[n]["order"])
    for rec in side:
        attrs = records.nodes[rec]
        group = attrs["group"]
        if group and group not in pillar_no and f"heading:{group}" not in g:
            mine = [r for r in side if records.nodes[r]["group"] == group]
            g.add_node(f"heading:{group}", label=clip_text(group, LABEL_WIDTH), kind="heading", pillars=[group],
                       title="\n".join([group, f"责任记录 {len(mine)} 条："] + [_record_ref(records, r) for r in mine]))
        units = defaultdict(list)
        for u in records.neighbors(rec):
            units[records.edges[rec, u]["role"]].append(records.nodes[u]["label"])
        lines = [attrs["label"]] + [f"{name}：{value}" for name, value in (
            ("所属", group), ("时限", attrs["deadline"]),
            ("落实重点工作", "、".join(str(g.nodes[networks.task_node(t)]["label"]) for t in attrs["tasks"]
                                      if networks.task_node(t) in g))) if value]
        lines += [f"{ROLE_ZH[role]}单位：{'、'.join(units[role])}" for role in ("lead", "co", "joint") if units[role]]
        if not units:
            lines.append("未写明责任单位")
        g.add_node(rec, label=clip_text(attrs["label"], LABEL_WIDTH), kind="record", title="\n".join(lines),
                   pillars=[group] if group else [], number=attrs["number"])
        if group:
            target = f"pillar:{pillar_no[group]}" if group in pillar_no else f"heading:{group}"
            g.add_edge(rec, target, kind="pillar" if group in pillar_no else "heading", weight=OTHER_WEIGHT)
        for t in attrs["tasks"]:
            if networks.task_node(t) in g:
                g.add_edge(rec, networks.task_node(t), kind="carries", weight=OTHER_WEIGHT)


def _touch_records(records: nx.Graph, touched, edges, info) -> None:
    """Add each record's units to the nodes touched (with the records they hold by role and the
    records' groups) and the record–unit edges (a lead pulls harder)."""
    for rec in sorted((n for n, k in records.nodes(data="kind") if k == "record"),
                      key=lambda n: records.nodes[n]["order"]):
        for u in sorted(records.neighbors(rec)):
            attrs, role = records.nodes[u], records.edges[rec, u]["role"]
            info.setdefault(u, attrs)
            entry = touched.setdefault(u, _entry("unit", attrs["label"]))
            entry["records"][role].append(rec)
            if records.nodes[rec]["group"]:
                entry["groups"].setdefault(records.nodes[rec]["group"], None)
            edges.append((rec, u, role, LEAD_WEIGHT if role == "lead" else OTHER_WEIGHT))


def _entry(kind: str, label: str) -> dict[str, Any]:
    """What the page gathers about a unit, person, phase or topic before it becomes a node."""
    return {"kind": kind, "label": label, "tasks": defaultdict(list), "records": defaultdict(list), "groups": {}}


def _add_pillars(g: nx.Graph, tasks: dict[Any, dict[str, Any]], pillar_no: dict[str, int]) -> None:
    """A node per pillar, its hover text listing its key tasks."""
    for name in sorted(pillar_no, key=lambda p: (pillar_no[p], p)):
        mine = [t for t in sorted(tasks) if tasks[t]["pillar"] == name]
        title = "\n".join([f"总体任务{_zh_number(pillar_no[name])}、{name}", f"重点工作 {len(mine)} 项："]
                          + [_task_ref(tasks[t]) for t in mine])
        g.add_node(f"pillar:{pillar_no[name]}", label=name, kind="pillar", title=title, pillars=[name])


def _add_tasks(g: nx.Graph, tasks, assignments, people, targets) -> None:
    """A node per key task (its units, people and targets in its hover text), tied to its pillar."""
    units_of: dict[Any, dict[str, list[str]]] = defaultdict(lambda: {"lead": [], "co": []})
    for r in assignments:
        units_of[r["no"]][r["role"]].append(r["unit"])
    people_of: dict[Any, dict[str, list[str]]] = defaultdict(lambda: {"leader": [], "liaison": []})
    for r in people:
        people_of[r["no"]][r["role"]].append(r["person"])
    for no in sorted(tasks):
        t = tasks[no]
        lines = [
            _task_ref(t),
            f"总体任务：{t['pillar']}",
            f"实施阶段：{t['phase']}",
            f"牵头单位：{'、'.join(units_of[no]['lead']) or '—'}",
            f"配合单位：{'、'.join(units_of[no]['co']) or '—'}",
            f"分管领导：{'、'.join(people_of[no]['leader']) or '—'}",
            f"联络员：{'、'.join(people_of[no]['liaison']) or '—'}",
        ]
        if targets[no]:
            lines.append("全市目标：")
            lines += [f"{x['target_no']}. {x['text']}" for x in targets[no]]
        lines.append(f"落实举措：{t['n_measures']} 项")
        g.add_node(analyze.task_node(no), label=clip_text(f"{no}. {t['title']}", LABEL_WIDTH), kind="task",
                   title="\n".join(lines), pillars=[t["pillar"]], number=int(no))
        g.add_edge(analyze.task_node(no), f"pillar:{t['pillar_no']}", kind="pillar", weight=OTHER_WEIGHT)


def _touched(tasks, assignments, people, topics):
    """Units, persons, phases and topics, each with the tasks it touches by role; the edges
    from the tasks to them (a lead pulls harder); the query row of each unit and topic."""
    touched: dict[str, dict[str, Any]] = {}
    edges: list[tuple[str, str, str, int]] = []
    info: dict[str, dict[str, Any]] = {}

    def touch(node: str, kind: str, label: str, no: Any, role: str, weight: int = OTHER_WEIGHT) -> None:
        entry = touched.setdefault(node, _entry(kind, label))
        entry["tasks"][role].append(no)
        edges.append((analyze.task_node(no), node, role, weight))

    for r in assignments:
        info[analyze.unit_node(r["unit"])] = r
        touch(analyze.unit_node(r["unit"]), "unit", r["unit"], r["no"], r["role"],
              LEAD_WEIGHT if r["role"] == "lead" else OTHER_WEIGHT)
    for r in people:
        touch(f"person:{r['person']}", "person", r["person"], r["no"], r["role"])
    for no in sorted(tasks):
        touch(f"phase:{tasks[no]['phase']}", "phase", tasks[no]["phase"], no, "phase")
    for r in topics:
        info[f"topic:{r['topic']}"] = r
        touch(f"topic:{r['topic']}", "topic", r["topic"], r["no"], "topic")
    return touched, edges, info


def _head(entry: dict[str, Any], row: dict[str, Any] | None) -> list[str]:
    """First lines of a hover text: who or what the node is (``row``: a unit's or a topic's query row)."""
    kind, label = entry["kind"], entry["label"]
    if kind == "unit":
        lines = [label]
        if row and row["full_name"] and row["full_name"] != label:
            lines.append(f"全称：{row['full_name']}")
        if row and row["unit_type"]:
            lines.append(f"类型：{row['unit_type']}")
        return lines
    if kind == "person":
        return [label]
    if kind == "phase":
        return [f"实施阶段：{label}"]
    lines = [f"主题：{label}"]
    if row and row["definition"]:
        lines.append(row["definition"])
    return lines


def _task_lines(roles: dict[str, list[Any]], tasks: dict[Any, dict[str, Any]]) -> list[str]:
    """The tasks a node touches, grouped by role: 牵头 3 项：… / 重点工作 5 项：…."""
    lines = []
    for role in ("lead", "co", "leader", "liaison", "phase", "topic"):
        numbers = sorted(set(roles.get(role, ())))
        if not numbers:
            continue
        lines.append(f"{ROLE_ZH.get(role, '重点工作')} {len(numbers)} 项：")
        lines += [f"  {_task_ref(tasks[no])}" for no in numbers]
    return lines


def _zh_number(n: int) -> str:
    """一 … 十 for pillar numbers (the document has five)."""
    digits = "零一二三四五六七八九十"
    return digits[n] if 0 <= n <= 10 else str(n)


# ---------------------------------------------------------------- unit network


#: Fill colours of the communities on the unit page (the unit shape stays; colour-blind-safe palette).
COMMUNITY_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#999999")


def unit_network(rdf_graph: Any) -> nx.Graph:
    """The page graph of the co-responsibility network.

    Units only, from :func:`policykg.use.networks.responsibility_graph`; an edge
    per pair of units sharing records (key tasks, or the other records of a
    document without a task list), ``weight`` = the number shared (the page
    draws width by weight) and ``kind="shared"``. Nodes carry ``group`` (their
    Louvain community, as in ``policykg analyze``) and are filled with that
    community's colour, ``centrality`` (weighted degree and betweenness: the
    page sizes nodes by the one its legend chooses and lists the five most
    central), ``pillars`` (of the records they hold) and a hover text with the
    unit's type, its figures and the records it holds by role.
    """
    bipartite = networks.responsibility_graph(rdf_graph)
    projection = networks.unit_projection(bipartite)
    on_tasks = bipartite.graph["basis"] == networks.BASIS_TASKS
    tasks = {r["no"]: r for r in _rows(rdf_graph, "net_tasks")} if on_tasks else {}
    order = {t["pillar"]: t["pillar_no"] for t in tasks.values()}
    headings = {bipartite.nodes[r]["group"]: None for r in sorted(
        (n for n, k in bipartite.nodes(data="kind") if k == "record"), key=lambda r: bipartite.nodes[r]["order"])}
    community = {}
    for i, part in enumerate(analyze.communities(projection), 1):
        community.update({n: i for n in part})
    cent = analyze.centralities(projection)
    what = "任务" if on_tasks else "记录"

    g = nx.Graph(name="unit_network", pillar_label=PILLAR_LABEL[bipartite.graph["basis"]])
    for n in sorted(projection.nodes):
        attrs = projection.nodes[n]
        roles: dict[str, list[Any]] = defaultdict(list)
        for t in bipartite.neighbors(n):
            roles[bipartite.edges[n, t]["role"]].append(bipartite.nodes[t]["number"] if on_tasks else t)
        held = [r for rs in roles.values() for r in rs]
        groups = {tasks[no]["pillar"] for no in held} if on_tasks else {bipartite.nodes[r]["group"] for r in held}
        head = _head({"kind": "unit", "label": attrs["label"]}, attrs)
        head.append(f"协作单位 {projection.degree(n)} 个，共同{what}合计 "
                    f"{projection.degree(n, weight='weight')} 项次；社区 {community[n]}")
        head.append(f"加权度 {cent[n]['weighted_degree']:g} · 中介中心性 {cent[n]['betweenness']:.3f}")
        lines = _task_lines(roles, tasks) if on_tasks else _record_lines(roles, bipartite)
        g.add_node(n, label=attrs["label"], kind="unit", group=f"社区 {community[n]}",
                   color=COMMUNITY_COLOURS[(community[n] - 1) % len(COMMUNITY_COLOURS)],
                   title="\n".join(head + lines), pillars=_sorted_pillars(groups - {""}, order, headings),
                   centrality={"weighted_degree": cent[n]["weighted_degree"], "betweenness": cent[n]["betweenness"]})
    for a, b, attrs in sorted(projection.edges(data=True)):
        la, lb = sorted((projection.nodes[a]["label"], projection.nodes[b]["label"]))
        if on_tasks:
            title = [f"{la} — {lb}：共同承担 {attrs['weight']} 项重点工作"] + [f"  {_task_ref(tasks[no])}"
                                                                          for no in attrs["tasks"]]
        else:
            title = [f"{la} — {lb}：同在 {attrs['weight']} 条责任记录"] + [f"  {_record_ref(bipartite, r)}"
                                                                      for r in attrs["records"]]
        g.add_edge(a, b, weight=attrs["weight"], kind="shared", title="\n".join(title))
    return g


# ---------------------------------------------------------------- files


def write_pages(rdf_graph: Any, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write ``graph.html``, ``units.html`` and the GraphML/GEXF files into ``out_dir``.

    Each file is written atomically (by :func:`policykg.use.visualize.write_page`
    and :func:`policykg.use.analyze.write_network_files`), so an open page is never
    replaced by half a file.
    """
    from policykg.use.visualize import write_page

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    document = _rows(rdf_graph, "net_document")
    name = document[0]["title"] if document else "政策文件"
    whole, units = full_graph(rdf_graph), unit_network(rdf_graph)
    on_tasks = any(kind == "task" for _, kind in whole.nodes(data="kind"))
    kinds = "总体任务、重点工作、其他责任记录、责任单位、分管领导与联络员、实施阶段、主题" if on_tasks \
        else "章节、责任记录、责任单位"
    written = []
    path = out / "graph.html"
    write_page(whole, path, title=f"{name} · {'任务清单全图' if on_tasks else '责任记录全图'}",
               subtitle=f"{kinds}：{whole.number_of_nodes()} 个节点，{whole.number_of_edges()} 条边")
    written.append(path)
    path = out / "units.html"
    write_page(units, path, title=f"{name} · 单位协作网络",
               subtitle=f"{units.number_of_nodes()} 个责任单位，连线宽度 = 共同承担的"
                        f"{'重点工作' if on_tasks else '责任记录'}数，颜色 = Louvain 社区，大小 = 所选中心性")
    written.append(path)
    written += analyze.write_network_files(rdf_graph, out)
    return written
