"""The build, as a recipe: read → segment → extract → link → map → validate → write."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from policykg import __version__
from policykg.errors import ValidationError
from policykg.ingest.extract import extract, unmapped_lines
from policykg.ingest.link import link_measures, topic_keys, unit_mentions
from policykg.model import Extraction, LinkedDocument, TaskList
from policykg.ingest.normalize import collect_persons, collect_phases, collect_units
from policykg.kg.doc_triples import DocumentTriples
from policykg.kg.rdf import to_triples
from policykg.ingest.read import read_source
from policykg.kg.report import build_report
from policykg.ingest.segment import segment
from policykg.kg.publish import report_bytes, serialise, write_outputs
from policykg.kg.validate import ValidationResult, validate_graph


@dataclass(frozen=True)
class BuildResult:
    """One document built: what was read, its triples, their validation and the report.

    The build itself reads the triples (:class:`policykg.kg.doc_triples.DocumentTriples`);
    :attr:`graph`, the rdflib graph every other reader wants, is made when first asked for.
    """

    linked: LinkedDocument
    triples: DocumentTriples
    validation: ValidationResult
    report: dict

    @property
    def graph(self) -> Graph:
        return self.triples.graph()

    def files(self) -> dict[str, bytes]:
        return {**serialise(self.triples), "report.json": report_bytes(self.report)}


def link_document(extraction: Extraction) -> LinkedDocument:
    """Normalise names and link records: units, persons, phases, topics, measure→task, mentions."""
    task_list = extraction.task_list or TaskList()
    return LinkedDocument(extraction=extraction, units=collect_units(extraction),
                          persons=collect_persons(extraction), phases=collect_phases(extraction),
                          topics=topic_keys(extraction),
                          links=link_measures(task_list.narrative, task_list.tasks),
                          unmapped=unmapped_lines(extraction), mentions=unit_mentions(extraction))


def build(source_path: str | Path) -> BuildResult:
    """Build and validate the graph of one document; raise on anything broken."""
    source = read_source(source_path)            # bytes → lines (UTF-8, BOM, GB18030)
    layout = segment(source)                     # blocks, table rows and cells
    extraction = extract(layout)                 # header, goals, measures, key tasks
    linked = link_document(extraction)           # canonical units, persons, topics, links
    triples = to_triples(linked)                 # RDF
    validation = validate_graph(triples)         # SHACL
    report = build_report(linked, triples, validation, version=__version__)
    if not validation.conforms:
        raise ValidationError(f"graph does not conform to the shapes ({validation.violations} violations)",
                              path=str(source_path), report=validation.text)
    return BuildResult(linked=linked, triples=triples, validation=validation, report=report)


def build_to(source_path: str | Path, out_dir: str | Path) -> tuple[BuildResult, list[Path]]:
    result = build(source_path)
    return result, write_outputs(result.files(), Path(out_dir))
