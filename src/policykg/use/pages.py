"""The networkx graphs behind the two interactive pages, and writing the pages.

``graph.html`` shows the task list as a whole: its pillars, key tasks, the
units that lead or co-operate on them, the leaders and liaisons, the phases
and the topics. Targets (about 100) and measures (about 200) are *not* nodes:
they would bury the structure the page is for. Each task's targets are listed
in full in its hover text instead, with the number of its measures.

``units.html`` shows the co-responsibility network: units linked by the key
tasks they share, edges as wide as the number of shared tasks, grouped by
Louvain community. Its weights come from :mod:`policykg.use.analyze`, so the page
agrees with ``policykg analyze`` and the stored query ``shared_responsibilities``.

Hover texts (``title``) are plain text with line breaks: the page shows them
verbatim, never as HTML. Every node carries ``pillars`` (the pillar names it
touches, in the document's order) so the page can filter by pillar.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import networkx as nx

from policykg.use import analyze
from policykg.kg.query import find_query, run_query
from policykg.use.answers import clip_text

__all__ = ["CORPUS_PAGE_FILES", "PAGE_FILES", "corpus_unit_network", "full_graph", "unit_network",
           "write_corpus_pages", "write_pages"]

#: Every file :func:`write_pages` writes, in order.
PAGE_FILES = ("graph.html", "units.html", "task_units.graphml", "task_units.gexf", "unit_network.graphml",
              "unit_network.gexf")

#: Every file :func:`write_corpus_pages` writes into a corpus folder.
CORPUS_PAGE_FILES = ("units.html",)

#: Display columns of a task's short label (the full title is in its hover text).
LABEL_WIDTH = 24
#: Edge weights of the whole-graph page: a lead assignment pulls harder and draws wider.
LEAD_WEIGHT = 2
OTHER_WEIGHT = 1

ROLE_ZH = {"lead": "牵头", "co": "配合", "leader": "分管领导", "liaison": "联络员"}


def _rows(rdf_graph: Any, name: str) -> list[dict[str, Any]]:
    columns, rows = run_query(rdf_graph, find_query(name))
    return [dict(zip(columns, row)) for row in rows]


def _task_ref(task: dict[str, Any]) -> str:
    """A task as the document writes it: （七）向民营企业推介三张项目清单."""
    return f"{task['notation'] or task['no']}{task['title']}"


def _sorted_pillars(names: set[str], number: dict[str, int]) -> list[str]:
    """Pillar names in the document's order (by pillar number), for the page's filter."""
    return sorted(names, key=lambda p: (number.get(p, 0), p))


# ---------------------------------------------------------------- whole graph


def full_graph(rdf_graph: Any) -> nx.Graph:
    """The page graph of the whole task list.

    Nodes: pillars (``pillar:1`` …), key tasks (``task:1`` …), units
    (``unit:<label>``), persons (``person:<name>``; the table names each
    leader and liaison, and names are unique in it), phases
    (``phase:<label>``) and topics (``topic:<label>``). Edges from each task
    to its pillar (kind ``pillar``), units (``lead``/``co``), leader and
    liaison (``leader``/``liaison``), phase (``phase``) and topics (``topic``).
    """
    tasks = {r["no"]: r for r in _rows(rdf_graph, "net_tasks")}
    assignments = _rows(rdf_graph, "net_task_units")
    people = _rows(rdf_graph, "net_task_people")
    targets = defaultdict(list)
    for r in _rows(rdf_graph, "net_task_targets"):
        targets[r["no"]].append(r)
    topics = _rows(rdf_graph, "net_task_topics")
    pillar_no = {r["pillar"]: r["pillar_no"] for r in tasks.values()}

    g = nx.Graph(name="policykg")
    _add_pillars(g, tasks, pillar_no)      # pillars first: the page lists pillar filters in first-seen order
    _add_tasks(g, tasks, assignments, people, targets)
    touched, edges, info = _touched(tasks, assignments, people, topics)
    kind_order = {"unit": 0, "person": 1, "phase": 2, "topic": 3}
    for node in sorted(touched, key=lambda n: (kind_order[touched[n]["kind"]], n)):
        entry = touched[node]
        numbers = sorted({no for nos in entry["tasks"].values() for no in nos})
        pillars = _sorted_pillars({tasks[no]["pillar"] for no in numbers}, pillar_no)
        head = _head(entry, info.get(node))
        title = "\n".join(head + _task_lines(entry["tasks"], tasks))
        g.add_node(node, label=entry["label"], kind=entry["kind"], title=title, pillars=pillars)
    for a, b, kind, weight in edges:
        if not g.has_edge(a, b):
            g.add_edge(a, b, kind=kind, weight=weight)
    return g


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
        entry = touched.setdefault(node, {"kind": kind, "label": label, "tasks": defaultdict(list)})
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

    Units only; an edge per pair of units sharing key tasks, ``weight`` = the
    number shared (the page draws width by weight) and ``kind="shared"``.
    Nodes carry ``group`` (their Louvain community, as in ``policykg
    analyze``) and are filled with that community's colour, ``pillars`` (of the tasks they are assigned to) and a hover
    text with the unit's type and the tasks it leads and co-operates on.
    """
    bipartite = analyze.task_unit_graph(rdf_graph)
    projection = analyze.unit_projection(bipartite)
    tasks = {r["no"]: r for r in _rows(rdf_graph, "net_tasks")}
    order = {t["pillar"]: t["pillar_no"] for t in tasks.values()}
    community = {}
    for i, part in enumerate(analyze.communities(projection), 1):
        community.update({n: i for n in part})

    g = nx.Graph(name="unit_network")
    for n in sorted(projection.nodes):
        attrs = projection.nodes[n]
        roles: dict[str, list[int]] = defaultdict(list)
        for t in bipartite.neighbors(n):
            roles[bipartite.edges[n, t]["role"]].append(bipartite.nodes[t]["number"])
        numbers = sorted(no for nos in roles.values() for no in nos)
        head = _head({"kind": "unit", "label": attrs["label"]}, attrs)
        head.append(f"协作单位 {projection.degree(n)} 个，共同任务合计 "
                    f"{projection.degree(n, weight='weight')} 项次；社区 {community[n]}")
        g.add_node(n, label=attrs["label"], kind="unit", group=f"社区 {community[n]}",
                   color=COMMUNITY_COLOURS[(community[n] - 1) % len(COMMUNITY_COLOURS)],
                   title="\n".join(head + _task_lines(roles, tasks)),
                   pillars=_sorted_pillars({tasks[no]["pillar"] for no in numbers}, order))
    for a, b, attrs in sorted(projection.edges(data=True)):
        la, lb = sorted((projection.nodes[a]["label"], projection.nodes[b]["label"]))
        title = "\n".join([f"{la} — {lb}：共同承担 {attrs['weight']} 项重点工作"]
                          + [f"  {_task_ref(tasks[no])}" for no in attrs["tasks"]])
        g.add_edge(a, b, weight=attrs["weight"], kind="shared", title=title)
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
    written = []
    path = out / "graph.html"
    write_page(whole, path, title=f"{name} · 任务清单全图",
               subtitle=f"总体任务、重点工作、责任单位、分管领导与联络员、实施阶段、主题："
                        f"{whole.number_of_nodes()} 个节点，{whole.number_of_edges()} 条边")
    written.append(path)
    path = out / "units.html"
    write_page(units, path, title=f"{name} · 单位协作网络",
               subtitle=f"{units.number_of_nodes()} 个责任单位，连线宽度 = 共同承担的重点工作数，"
                        f"分组 = Louvain 社区")
    written.append(path)
    written += analyze.write_network_files(rdf_graph, out)
    return written


# ---------------------------------------------------------------- corpus


#: The corpus page's own queries (data beside the page templates, not in the library of ``queries/``).
_CORPUS_QUERIES = Path(__file__).with_name("templates") / "queries"
_ROLE_ZH = {"LeadRole": "牵头", "CoRole": "配合", "JointRole": "共同负责"}


def corpus_unit_network(store: Any, entries: list[dict[str, Any]]) -> nx.Graph:
    """The co-responsibility network of a corpus: units of every jurisdiction.

    Nodes are units (IRIs, scoped by jurisdiction), labelled ``name（jurisdiction）``,
    with ``jurisdiction``, ``level``, ``docs`` (ids of the documents naming them),
    ``records`` and a hover text. Two units are linked when they are assigned
    to the same responsibility record; ``weight`` is the number of such records
    (in any role), ``docs`` the documents those records belong to. Only units
    assigned to some record are nodes. Documents are told apart by their named
    graph, so nothing is merged across documents but the units themselves.
    """
    from policykg.kg.store import execute, plain
    doc_id = {e["iri"]: e["id"] for e in entries if e.get("status") == "built" and e.get("iri")}

    def rows(text: str) -> list[dict[str, Any]]:
        _, columns, found = execute(store, text)
        return [{c: (plain(v) if v is not None else None) for c, v in zip(columns, row)} for row in found]

    units = {r["unit"]: r for r in rows((_CORPUS_QUERIES / "corpus_units.rq").read_text(encoding="utf-8"))}
    members: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in rows((_CORPUS_QUERIES / "corpus_unit_assignments.rq").read_text(encoding="utf-8")):
        role = str(r["role"] or "").rsplit("#", 1)[-1]
        members[(r["doc"], r["record"])][r["unit"]].add(role)
    g = nx.Graph(name="corpus_unit_network")
    stats: dict[str, dict[str, Any]] = defaultdict(lambda: {"docs": set(), "records": 0, "roles": defaultdict(int)})
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for (doc, _record), assigned in sorted(members.items()):
        did = doc_id.get(doc, doc.rsplit("/", 1)[-1])
        for unit, roles in assigned.items():
            stats[unit]["docs"].add(did)
            stats[unit]["records"] += 1
            for role in roles:
                stats[unit]["roles"][role] += 1
        names = sorted(assigned)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                pair = pairs.setdefault((a, b), {"weight": 0, "docs": defaultdict(int)})
                pair["weight"] += 1
                pair["docs"][did] += 1
    order = {e["id"]: i for i, e in enumerate(entries)}

    def label(unit: str) -> str:
        info = units.get(unit, {})
        name = str(info.get("name") or unit.rsplit("/", 1)[-1])
        return f"{name}（{info['place']}）" if info.get("place") else name

    for unit in sorted(stats):
        info, st = units.get(unit, {}), stats[unit]
        docs = sorted(st["docs"], key=lambda d: (order.get(d, len(order)), d))
        lines = [label(unit)]
        if info.get("full") and info["full"] != info.get("name"):
            lines.append(f"全称：{info['full']}")
        lines.append(f"区域：{info.get('place') or '—'}（{info.get('level') or '—'}）")
        roles = "，".join(f"{_ROLE_ZH.get(r, r or '未注明')} {n}" for r, n in sorted(st["roles"].items()))
        lines.append(f"责任记录 {st['records']} 条（{roles}）")
        lines.append(f"文件 {len(docs)} 个：")
        lines += [f"  {d}" for d in docs]
        g.add_node(unit, label=label(unit), kind="unit", jurisdiction=str(info.get("place") or ""),
                   level=str(info.get("level") or ""), docs=docs, records=st["records"], title="\n".join(lines))
    for (a, b), pair in sorted(pairs.items()):
        docs = sorted(pair["docs"], key=lambda d: (order.get(d, len(order)), d))
        la, lb = sorted((g.nodes[a]["label"], g.nodes[b]["label"]))
        title = "\n".join([f"{la} — {lb}：同在 {pair['weight']} 条责任记录"]
                          + [f"  {d}：{pair['docs'][d]} 条" for d in docs])
        g.add_edge(a, b, weight=pair["weight"], kind="shared", docs=docs, title=title)
    return g


def write_corpus_pages(stage: Path, entries: list[dict[str, Any]]) -> list[str]:
    """Write the corpus pages into the staged corpus folder ``stage`` (it holds ``store/``).

    Today one page, ``units.html``: the unit network across documents and
    jurisdictions (:func:`corpus_unit_network`, drawn by
    :func:`policykg.use.corpus_page.write_corpus_page`). Returns the names written.
    """
    import pyoxigraph as ox

    from policykg.use.corpus_page import write_corpus_page
    stage = Path(stage)
    store = ox.Store.read_only(str(stage / "store"))
    try:
        g = corpus_unit_network(store, entries)
    finally:
        del store
    built = [e for e in entries if e.get("status") == "built"]
    places = sorted({str(e.get("jurisdiction")) for e in built if e.get("jurisdiction")})
    write_corpus_page(
        g, stage / "units.html", title="语料库 · 单位协作网络",
        subtitle=f"{len(built)} 个文件、{len(places)} 个区域的责任单位；连线 = 同在一条责任记录（粗细 = 条数）",
        documents=[{"id": e["id"], "title": e.get("title") or e["id"], "jurisdiction": e.get("jurisdiction") or "",
                    "level": e.get("level") or ""} for e in built])
    return list(CORPUS_PAGE_FILES)
