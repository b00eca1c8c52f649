"""The lineage of a corpus: which document implements or cites which.

Citations (《…》 titles and 文号) that name another document of the corpus become
``eli:implements`` / ``eli:cites`` links between the two documents, in the lineage
graph, so 国务院 → 省 → 市 → 县 chains are queries.
"""

from __future__ import annotations

import re

from policykg.vocab import ELI_NS as ELI, LINEAGE_GRAPH

_FLAT = re.compile(r"[\s《》〈〉“”\"'（）()·—–-]")


def flat_title(title: str) -> str:
    """A title without brackets, quotes and spaces, for matching citations to documents.

    >>> flat_title("《山东省服务业数字化转型行动方案（2021—2023）》") == flat_title("山东省服务业数字化转型行动方案(2021-2023)")
    True
    """
    return _FLAT.sub("", title)


def lineage(entries: list[dict]) -> list[tuple[str, str, str]]:
    """``(citing document, relation, cited document)`` for every citation that names a corpus document.

    A citation matches a document by its 文号, or by its title once brackets and
    spaces are set aside (a notice's title and the title of what it issues both count).
    """
    by_number: dict[str, str] = {}
    by_title: dict[str, str] = {}
    for entry in entries:
        if entry.get("status") != "built":
            continue
        if entry.get("doc_number"):
            by_number[entry["doc_number"]] = entry["iri"]
        for title in (entry.get("title"),):
            if title:
                by_title[flat_title(title)] = entry["iri"]
    links = set()
    for entry in entries:
        for cite in entry.get("cites", []) if entry.get("status") == "built" else []:
            target = by_number.get(cite.get("number") or "") or by_title.get(flat_title(cite["title"]))
            if target and target != entry["iri"]:
                links.add((entry["iri"], cite["relation"], target))
    implemented = {(a, b) for a, rel, b in links if rel == "implements"}
    return sorted(link for link in links if link[1] == "implements" or (link[0], link[2]) not in implemented)


def lineage_graph(links: list[tuple[str, str, str]]) -> bytes:
    lines = [f"<{a}> <{ELI}{'implements' if rel == 'implements' else 'cites'}> <{b}> <{LINEAGE_GRAPH}> ."
             for a, rel, b in links]
    return ("\n".join(sorted(lines)) + "\n").encode("utf-8") if lines else b""
