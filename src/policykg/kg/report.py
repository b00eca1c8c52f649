"""The build report: counts, what was not mapped and why, the SHACL result."""

from __future__ import annotations

from rdflib import Graph

from policykg.model import LinkedDocument, TaskList
from policykg.ingest.normalize import UNCLASSIFIED


def build_report(linked: LinkedDocument, graph: Graph, validation, *, version: str) -> dict:
    x = linked.extraction
    tl = x.task_list or TaskList()
    quantities = sum(len(t.quantities) for task in tl.tasks for t in task.targets)
    references = {r.title for task in tl.tasks for i in task.targets + task.measures for r in i.references}
    references |= {r.title for m in tl.narrative for r in m.references} | {r.title for r in x.header.implements}
    references |= {r.title for p in x.provisions for r in p.references}
    layout: dict[str, list[int]] = {}
    for note in sorted(x.layout_notes, key=lambda n: n.line):
        layout.setdefault(note.reason, []).append(note.line)
    return {
        "policykg_version": version,
        "source": {"file": x.source.name, "sha256": x.source.sha256, "encoding": x.source.encoding,
                   "format": x.source.format, "reader": x.source.reader, "pages": x.source.pages,
                   "reader_notes": list(x.source.notes), "lines": len(x.source.lines),
                   "non_blank_lines": sum(1 for line in x.source.lines if line.strip())},
        "document": {"title": x.header.title, "issuer": x.header.issuer, "issued": x.header.issued.isoformat() if x.header.issued else None,
                     "doc_number": x.header.doc_number},
        "counts": {
            "key_tasks": len(tl.tasks), "table_rows": sum(len(t.spans) for t in tl.tasks),
            "targets": sum(len(t.targets) for t in tl.tasks),
            "measures": sum(len(t.measures) for t in tl.tasks),
            "target_quantities": quantities,
            "goals": len(x.goals), "goal_quantities": sum(len(g.quantities) for g in x.goals),
            "narrative_measures": len(tl.narrative), "provisions": len(x.provisions),
            "pillars": len(tl.pillars), "units": len(linked.units), "persons": len(linked.persons),
            "phases": len(linked.phases), "referenced_documents": len(references),
            "measure_task_links": sum(1 for link in linked.links if link.asserted),
            "measure_task_candidates": len(linked.links), "triples": len(graph),
            "records": len(x.records),
            "responsibility_records": len(x.records) + len(tl.tasks) + len(tl.narrative),
            "records_with_units": sum(1 for r in x.records if r.assignment and r.assignment.all_units)
            + len(tl.tasks) + len(tl.narrative),
        },
        "warnings": warnings_of(linked, validation),
        "layout_lines": dict(sorted(layout.items())),
        "unmapped_lines": [{"line": n.line, "text": x.source.line(n.line), "reason": n.reason}
                           for n in linked.unmapped],
        "units_not_in_lexicon": sorted(u.label for u in linked.units.values() if not u.in_lexicon),
        "units_untyped": sorted(k for k, u in linked.units.items() if u.unit_type == UNCLASSIFIED),
        "shacl": {"conforms": validation.conforms, "violations": validation.violations},
    }


def warnings_of(linked: LinkedDocument, validation) -> list[dict]:
    """What the build understood only in part, each with the line it starts at."""
    x = linked.extraction
    tl = x.task_list or TaskList()
    out = [{"line": w.line, "reason": w.reason} for w in x.warnings]
    if not (x.records or tl.tasks or tl.narrative):
        out.append({"line": 1, "reason": "no responsibility record recognised (no note such as （责任单位：…） "
                                        "and no task table)"})
    if getattr(validation, "warnings", 0):
        out.append({"line": 1, "reason": f"{validation.warnings} profile shape warning(s): "
                                        "a field a well-formed document of this layout states is missing"})
    return sorted(out, key=lambda w: (w["line"], w["reason"]))


def summary_lines(report: dict) -> list[str]:
    c = report["counts"]
    lines = [
        f"{report['document']['title']} ({report['document']['issued']}, {report['source']['file']})",
        f"  key tasks {c['key_tasks']} (from {c['table_rows']} table rows), targets {c['targets']}, "
        f"measures {c['measures']}, quantities {c['target_quantities']} (+{c['goal_quantities']} in goals)",
        f"  narrative measures {c['narrative_measures']} → {c['measure_task_links']} task links "
        f"(of {c['measure_task_candidates']} scored candidates), "
        f"goals {c['goals']}, provisions {c['provisions']}, pillars {c['pillars']}",
        f"  units {c['units']}, persons {c['persons']}, phases {c['phases']}, "
        f"referenced documents {c['referenced_documents']}, triples {c['triples']}",
        f"  layout-only lines {sum(len(v) for v in report['layout_lines'].values())}, "
        f"unmapped lines {len(report['unmapped_lines'])}, "
        f"SHACL {'conforms' if report['shacl']['conforms'] else 'VIOLATIONS'}",
    ]
    if c.get("records"):
        lines.insert(1, f"  responsibility records {c['records']} in the text "
                        f"({c['records_with_units'] - c['key_tasks'] - c['narrative_measures']} with units)")
    if report["units_not_in_lexicon"]:
        lines.append(f"  units not in lexicon/units.tsv: {'、'.join(report['units_not_in_lexicon'])}")
    return lines
