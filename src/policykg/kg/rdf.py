"""Map a :class:`LinkedDocument` to RDF, one small pass per kind of record.

Terms come from the closed vocabularies in :mod:`.vocab`, IRIs from
:class:`.iri.Minter`; no blank nodes, so the output is stable byte for byte.
Every extracted node gets ``prov:wasDerivedFrom`` its source line span(s).
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from rdflib import XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDF, RDFS, SDO, SKOS, TIME

from policykg.ingest.formats.place import place
from policykg.kg.doc_triples import DocumentTriples
from policykg.kg.iri import Minter
from policykg.ingest.lexicon import scheme_graph, topics
from policykg.model import (
    Assignment,
    Deadline,
    DocumentReference,
    Item,
    LineSpan,
    LinkedDocument,
    Quantity,
    TaskList,
)
from policykg.ingest.normalize import canonical_unit, document_jurisdiction, jurisdiction_chain
from policykg.resources import ontology_path
from policykg.kg.terms import ELI, PKG
from policykg.vocab import PREFIXES as _ALL_PREFIXES

GOVERNMENT_TYPES = {"government-department", "party-department", "party-coordination-office",
                    "judicial-organ", "vertical-agency", "development-zone-committee"}
ROLES = {"lead": (PKG.LeadRole, PKG.leadUnit), "co": (PKG.CoRole, PKG.coUnit),
         "joint": (PKG.JointRole, PKG.jointUnit)}
#: The prefixes a document's graph is written with (a choice among :data:`policykg.vocab.PREFIXES`, in this order).
PREFIXES = {p: _ALL_PREFIXES[p]
            for p in ("pkg", "id", "skos", "dcterms", "prov", "org", "time", "schema", "foaf", "eli", "xsd")}


def txt(text: str) -> Literal:
    """Text of the document — a name, a title, a label, a record's text — as a plain string.

    The literal convention (``ontology.ttl``, ``docs/querying.md``): document data
    carries no language tags, so ``skos:prefLabel "市财政局"`` matches as an analyst
    writes it; only a unit's English name is tagged (``@en``), beside its plain name.
    """
    return Literal(text)


def decimal(value: Decimal) -> Literal:
    """xsd:decimal in its canonical lexical form (``2.0``, ``6.5``), so Turtle round-trips."""
    text = format(value.normalize(), "f")
    return Literal(text if "." in text else text + ".0", datatype=XSD.decimal)


@lru_cache(maxsize=1)
def super_property_closure() -> dict[URIRef, tuple[URIRef, ...]]:
    """Each property of ``ontology.ttl`` with every property above it (rdfs:subPropertyOf, transitively)."""
    ontology = Graph().parse(ontology_path(), format="turtle")
    parents: dict[URIRef, set[URIRef]] = {}
    for child, parent in ontology.subject_objects(RDFS.subPropertyOf):
        parents.setdefault(child, set()).add(parent)
    closure = {}
    for prop in parents:
        seen: set[URIRef] = set()
        todo = list(parents[prop])
        while todo:
            parent = todo.pop()
            if parent not in seen:
                seen.add(parent)
                todo.extend(parents.get(parent, ()))
        closure[prop] = tuple(sorted(seen))
    return closure


class _Mapper:
    def __init__(self, linked: LinkedDocument) -> None:
        self.linked = linked
        self.x = linked.extraction
        #: the ``task_list`` profile's part; empty for other layouts (the pillar scheme is still stated)
        self.task_list = self.x.task_list or TaskList()
        self.iri = Minter(self.x.header, self.x.source.sha256)
        self.place = document_jurisdiction(self.x.header)
        self.doc_prefix = str(self.iri.doc) + "/"
        self.g = DocumentTriples()
        self.described: set[URIRef] = set()
        # what record_summaries derives from, gathered as the triples are written (reading them back costs more)
        self.records_seen: dict[URIRef, None] = {}
        self.first_lines: dict[URIRef, set[int]] = {}
        self.owned: dict[URIRef, dict[URIRef, None]] = {}
        self.held: dict[URIRef, tuple[set, set, set]] = {}
        self.topic_iris = {t.slug: URIRef(t.iri) for t in topics()}
        for prefix, ns in PREFIXES.items():
            self.g.bind(prefix, ns, override=True)

    def add(self, s, p, o) -> None:
        self.g.add((s, p, o))

    def titled(self, node: URIRef, title: str) -> None:
        """dcterms:title for the documents' vocabulary, rdfs:label for every generic tool."""
        self.add(node, DCTERMS.title, txt(title))
        self.add(node, RDFS.label, txt(title))

    # ------------------------------------------------------------ provenance
    def jurisdiction(self, name: str) -> URIRef:
        """The area node (乐清市 → 温州市 → 浙江省 → 全国, each with its level)."""
        chain = jurisdiction_chain(name)
        for place, above in zip(chain, chain[1:] + [None]):
            node = self.iri.area(place.name)
            if node in self.described:
                break
            self.described.add(node)
            self.add(node, RDF.type, PKG.Jurisdiction)
            self.add(node, SKOS.prefLabel, txt(place.name))
            self.add(node, RDFS.label, txt(place.name))
            self.add(node, PKG.administrativeLevel, Literal(place.level))
            if above is not None:
                self.add(node, SKOS.broader, self.iri.area(above.name))
        return self.iri.area(name)

    def derived(self, node: URIRef, *spans: LineSpan) -> None:
        if str(node).startswith(self.doc_prefix):
            self.add(node, PKG.inDocument, self.iri.doc)      # every extracted record reaches its document
        source = self.iri.source_file(self.x.source.sha256)
        if node in self.records_seen:
            self.first_lines.setdefault(node, set()).update(span.start for span in spans)
        for span in spans:
            span_iri = self.iri.span(span)
            self.add(node, PROV.wasDerivedFrom, span_iri)
            if span_iri in self.described:
                continue
            self.described.add(span_iri)
            self.add(span_iri, RDF.type, PKG.SourceSpan)
            self.add(span_iri, PKG.startLine, Literal(span.start))
            self.add(span_iri, PKG.endLine, Literal(span.end))
            self.add(span_iri, PROV.hadPrimarySource, source)
            if (where := place(self.x.source, span)) is not None:      # a plain text's line is its place
                self.add(span_iri, PKG.locator, Literal(where))

    def source_file(self) -> None:
        src = self.x.source
        node = self.iri.source_file(src.sha256)
        self.add(node, RDF.type, PKG.SourceFile)
        self.add(node, PKG.fileName, Literal(src.name))
        self.add(node, PKG.fileFormat, Literal(src.format))
        self.add(node, PKG.encoding, Literal(src.encoding))
        self.add(node, DCTERMS.identifier, Literal(f"sha256:{src.sha256}"))

    # ------------------------------------------------------------ document
    def document(self) -> None:
        h, doc = self.x.header, self.iri.doc
        self.add(doc, RDF.type, PKG.PolicyDocument)
        self.titled(doc, h.title)
        if h.notice_title:
            self.add(doc, PKG.noticeTitle, txt(h.notice_title))
        if h.issued is not None:
            self.add(doc, DCTERMS.issued, Literal(h.issued.isoformat(), datatype=XSD.date))
        if h.issuer:
            self.add(doc, DCTERMS.publisher, self.unit_node(h.issuer))
        if h.doc_number:
            self.add(doc, ELI.id_local, Literal(h.doc_number))
        self.add(doc, PKG.shortId, Literal(self.x.source.name.rsplit(".", 1)[0]))
        if self.place:
            self.add(doc, DCTERMS.spatial, self.jurisdiction(self.place))
        if h.recipients:
            self.add(doc, PKG.recipients, txt(h.recipients))
        if h.approval:
            self.add(doc, PKG.approval, txt(h.approval))
        if h.publicity:
            self.add(doc, DCTERMS.accessRights, txt(h.publicity))
        self.add(doc, PROV.hadPrimarySource, self.iri.source_file(self.x.source.sha256))
        self.derived(doc, *(h.spans.values() or [LineSpan(1, len(self.x.source.lines))]))
        for ref in h.implements:
            self.add(doc, ELI.implements, self.reference(ref))
        if h.attachment_title:
            task_list = self.iri.task_list()
            self.add(doc, PKG.hasTaskList, task_list)
            self.add(task_list, RDF.type, PKG.TaskList)
            self.titled(task_list, h.attachment_title)
            self.add(task_list, DCTERMS.isPartOf, doc)
            self.derived(task_list, *(h.spans[k] for k in ("attachment", "attachment_title") if k in h.spans))

    def reference(self, ref: DocumentReference, subject: URIRef | None = None) -> URIRef:
        node = self.iri.work(ref.title)
        self.add(node, RDF.type, PKG.ReferencedDocument)
        self.titled(node, ref.title)
        if ref.number:
            self.add(node, ELI.id_local, Literal(ref.number))
        self.derived(node, ref.span)
        if subject is not None:
            prop = {"produces": PKG.plansDocument, "cites": PKG.citesDocument}.get(ref.relation,
                                                                                  DCTERMS.references)
            self.add(subject, prop, node)
        return node

    def sections(self) -> None:
        for section in self.x.sections:
            node = self.iri.section(section.ordinal or section.number)
            self.add(self.iri.doc, PKG.hasSection, node)
            self.add(node, RDF.type, PKG.Section)
            self.add(node, PKG.number, Literal(section.number))
            self.titled(node, section.title)
            self.add(node, DCTERMS.isPartOf, self.iri.doc)
            self.derived(node, section.span)

    def section_at(self, line: int) -> URIRef | None:
        before = [s for s in self.x.sections if s.span.start <= line]
        return self.iri.section(before[-1].ordinal or before[-1].number) if before else None

    def goals(self) -> None:
        for goal in self.x.goals:
            node = self.iri.goal(goal.ordinal)
            self.add(self.iri.doc, PKG.hasGoal, node)
            self.add(node, RDF.type, PKG.DocumentGoal)
            self.add(node, PKG.ordinal, Literal(goal.ordinal))
            self.add(node, PKG.text, txt(goal.text))
            self.add(node, PKG.sourceText, txt(goal.text))
            if goal.year is not None:
                self.add(node, PKG.dueYear, Literal(str(goal.year), datatype=XSD.gYear))
            if (section := self.section_at(goal.span.start)) is not None:
                self.add(node, PKG.inSection, section)
            self.quantities(node, goal.quantities, goal.span)
            self.derived(node, goal.span)

    def provisions(self) -> None:
        counters: dict[str, int] = {}
        for provision in self.x.provisions:
            section = self.section_at(provision.span.start)
            number = next(s.ordinal or s.number for s in self.x.sections
                          if self.iri.section(s.ordinal or s.number) == section)
            counters[section] = counters.get(section, 0) + 1
            node = self.iri.provision(number, provision.ordinal or counters[section] - 1)
            self.add(self.iri.doc, PKG.hasProvision, node)
            self.add(node, RDF.type, PKG.Provision)
            self.add(node, PKG.inSection, section)
            self.add(node, PKG.ordinal, Literal(provision.ordinal))
            if provision.title:
                self.titled(node, provision.title)
            self.add(node, PKG.text, txt(provision.text))
            self.mentions(node, f"provision:{provision.span.start}")
            for ref in provision.references:
                self.reference(ref, node)
            self.derived(node, provision.span)

    # ------------------------------------------------------------ pillars, topics
    def pillars(self) -> None:
        scheme = self.iri.pillar_scheme()
        self.add(scheme, RDF.type, SKOS.ConceptScheme)
        self.add(scheme, SKOS.prefLabel, txt(f"{self.x.header.title}·总体任务"))
        self.add(scheme, DCTERMS.isPartOf, self.iri.doc)
        for pillar in self.task_list.pillars:
            node = self.iri.pillar(pillar.number)
            self.add(node, RDF.type, PKG.Pillar)
            self.add(node, RDF.type, SKOS.Concept)
            self.add(node, SKOS.inScheme, scheme)
            self.add(node, SKOS.topConceptOf, scheme)
            self.add(scheme, SKOS.hasTopConcept, node)
            self.add(node, SKOS.notation, Literal(str(pillar.number)))
            self.add(node, PKG.number, Literal(pillar.number))
            self.add(node, SKOS.prefLabel, txt(pillar.name))
            self.add(node, RDFS.label, txt(pillar.name))
            self.derived(node, *pillar.spans)

    def mentions(self, node: URIRef, key: str) -> None:
        for name in self.linked.mentions.get(key, ()):
            self.add(node, PKG.mentionsUnit, self.unit_node(name))

    def subjects(self, node: URIRef, key: str) -> None:
        for slug in self.linked.topics.get(key, ()):
            self.add(node, DCTERMS.subject, self.topic_iris[slug])

    # ------------------------------------------------------------ units, persons
    def unit_node(self, name: str) -> URIRef:
        unit = self.linked.units.get(name) or canonical_unit(name, self.place)
        node = self.iri.unit(unit.key)
        if node in self.described:
            return node
        self.described.add(node)
        self.add(node, RDF.type, ORG.Organization)
        if unit.unit_type in GOVERNMENT_TYPES:
            self.add(node, RDF.type, SDO.GovernmentOrganization)
        self.add(node, RDFS.label, txt(unit.label))
        self.add(node, SKOS.prefLabel, txt(unit.label))
        for alias in unit.aliases:
            self.add(node, SKOS.altLabel, txt(alias))
        if unit.full_name:
            self.add(node, PKG.fullName, txt(unit.full_name))
        if unit.english:
            self.add(node, RDFS.label, Literal(unit.english, lang="en"))
        self.add(node, ORG.classification, self.iri.unit_type(unit.unit_type))
        if self.place and unit.unit_type != "collective-reference":
            self.add(node, SDO.areaServed, self.jurisdiction(self.place))
        return node

    def assignment(self, owner: URIRef, assignment: Assignment) -> None:
        self.add(owner, PKG.unitsText, Literal(assignment.text))
        self.add(owner, PKG.layoutReader, Literal(assignment.reader))
        self.add(owner, RDF.type, PKG.ResponsibilityRecord)
        self.records_seen.setdefault(owner, None)
        for position, (role, name) in enumerate(assignment.roles, start=1):
            unit = self.unit_node(canonical_unit(name, self.place).key)
            role_iri, prop = ROLES[role]
            self.add(owner, prop, unit)
            node = self.iri.responsibility(owner, position)
            self.add(owner, PKG.hasResponsibility, node)
            self.add(node, RDF.type, PKG.Responsibility)
            self.add(node, PKG.unit, unit)
            self.add(node, PKG.role, role_iri)
            self.add(node, PKG.position, Literal(position))
            self.add(node, PKG.writtenName, Literal(name))
            self.owned.setdefault(owner, {})[node] = None       # as sets, like the triples (record_summaries)
            held = self.held.setdefault(node, (set(), set(), set()))
            held[0].add(role), held[1].add(position), held[2].add(name)

    def person(self, name: str) -> URIRef:
        person = self.linked.persons[name]
        node = self.iri.person(person.key)
        if node in self.described:
            return node
        self.described.add(node)
        self.add(node, RDF.type, SDO.Person)
        self.add(node, RDF.type, FOAF.Person)
        self.add(node, FOAF.name, txt(person.name))
        self.add(node, RDFS.label, txt(person.name))
        for written in person.written:
            if written != person.name:
                self.add(node, SKOS.hiddenLabel, txt(written))
        return node

    def phase(self, text: str) -> URIRef:
        phase = self.linked.phases[text]
        node = self.iri.phase(phase.start_year, phase.end_year)
        self.add(node, RDF.type, PKG.Phase)
        self.add(node, RDFS.label, txt(phase.text))
        self.add(node, PKG.ongoing, Literal(phase.ongoing))
        for year, prop in ((phase.start_year, PKG.startYear), (phase.end_year, PKG.endYear)):
            if year is not None:
                instant = self.iri.year(year)
                self.add(node, prop, instant)
                self.add(instant, RDF.type, TIME.Instant)
                self.add(instant, TIME.inXSDgYear, Literal(str(year), datatype=XSD.gYear))
        return node

    # ------------------------------------------------------------ narrative measures
    def narrative(self) -> None:
        links = {}
        for link in self.linked.links:
            links.setdefault(link.narrative, []).append(link)
        for measure in self.task_list.narrative:
            node = self.iri.narrative(measure.pillar, measure.ordinal)
            self.add(self.iri.doc, PKG.hasNarrativeMeasure, node)
            self.add(node, RDF.type, PKG.NarrativeMeasure)
            self.add(node, PKG.hasPillar, self.iri.pillar(measure.pillar))
            self.add(node, PKG.ordinal, Literal(measure.ordinal))
            self.add(node, PKG.text, txt(measure.text))
            if (section := self.section_at(measure.span.start)) is not None:
                self.add(node, PKG.inSection, section)
            self.assignment(node, measure.assignment)
            self.deadline(node, measure.deadline)
            self.subjects(node, f"narrative:{measure.pillar}:{measure.ordinal}")
            self.mentions(node, f"narrative:{measure.pillar}:{measure.ordinal}")
            for ref in measure.references:
                self.reference(ref, node)
            for link in links.get((measure.pillar, measure.ordinal), []):
                task = self.iri.task(link.task)
                if link.asserted:
                    self.add(node, PKG.carriedOutBy, task)
                link_node = self.iri.task_link(node, link.task)
                self.add(node, PKG.hasTaskLink, link_node)
                self.add(link_node, RDF.type, PKG.TaskLink)
                self.add(link_node, PKG.linkedTask, task)
                self.add(link_node, PKG.linkScore, decimal(Decimal(str(link.score))))
                for term in link.shared_terms:
                    self.add(link_node, PKG.sharedTerm, Literal(term))
            self.derived(node, measure.span)

    # ------------------------------------------------------------ key tasks
    def tasks(self) -> None:
        task_list = self.iri.task_list()
        for task in self.task_list.tasks:
            node = self.iri.task(task.number)
            self.add(task_list, PKG.hasTask, node)
            self.add(node, DCTERMS.isPartOf, task_list)
            self.add(node, RDF.type, PKG.KeyTask)
            self.add(node, PKG.taskNumber, Literal(task.number))
            self.add(node, SKOS.notation, Literal(f"（{task.numeral}）"))
            self.titled(node, task.title)
            if task.serial is not None:
                self.add(node, PKG.serialNumber, Literal(task.serial))
            self.add(node, PKG.hasPillar, self.iri.pillar(task.pillar))
            self.add(node, PKG.pillarInherited, Literal(not task.pillar_written))
            self.add(node, PKG.phase, self.phase(task.phase_text))
            self.assignment(node, task.assignment)
            self.deadline(node, task.deadline)
            self.add(node, PKG.leaderInCharge, self.person(task.leadership.leader))
            if task.leadership.liaison:
                self.add(node, PKG.liaison, self.person(task.leadership.liaison))
            self.subjects(node, f"task:{task.number}")
            for target in task.targets:
                item = self.iri.target(task.number, target.ordinal)
                self.add(node, PKG.hasTarget, item)
                self.item(item, PKG.Target, target)
                if target.due_year is not None:
                    self.add(item, PKG.dueYear, Literal(str(target.due_year), datatype=XSD.gYear))
                self.quantities(item, target.quantities, target.spans[0])
                self.mentions(item, f"target:{task.number}:{target.ordinal}")
            for measure in task.measures:
                item = self.iri.measure(task.number, measure.ordinal)
                self.add(node, PKG.hasMeasure, item)
                self.item(item, PKG.Measure, measure)
                self.subjects(item, f"measure:{task.number}:{measure.ordinal}")
                self.mentions(item, f"measure:{task.number}:{measure.ordinal}")
            self.derived(node, *task.spans)

    # ------------------------------------------------------------ records of running text
    def records(self) -> None:
        """Responsibility records closed by a note (or numbered measures with none)."""
        for record in self.x.records:
            node = self.iri.record(record.key)
            self.add(self.iri.doc, PKG.hasRecord, node)
            self.add(node, RDF.type, PKG.ResponsibilityRecord)
            self.records_seen.setdefault(node, None)
            self.add(node, PKG.ordinal, Literal(record.key))
            if record.label:
                self.add(node, SKOS.notation, Literal(record.label))
            self.add(node, PKG.text, txt(record.text))
            if record.heading:
                self.add(node, PKG.heading, txt(record.heading))
            if (section := self.section_at(record.span.start)) is not None:
                self.add(node, PKG.inSection, section)
            if record.assignment is not None:
                self.assignment(node, record.assignment)
            self.deadline(node, record.deadline)
            self.quantities(node, record.quantities, record.span)
            for ref in record.references:
                self.reference(ref, node)
            self.derived(node, record.span)

    def record_summaries(self) -> None:
        """What the questions listing records read of each responsibility record, derived once from its triples
        (after every pass that writes them, so a node two measures share gets one value of each, as a question
        grouping the triples would): its place — its IRI after its document's (record/12, narrative/1-3) —, its
        first source line (the least start line of its spans), and each role's names as written, in position
        order, joined with 、."""
        prefix = str(self.iri.doc) + "/"
        for node in self.records_seen:
            if str(node).startswith(prefix):
                self.add(node, PKG.recordPlace, Literal(str(node)[len(prefix):]))
            if self.first_lines.get(node):
                self.add(node, PKG.firstLine, Literal(min(self.first_lines[node])))
            rows = sorted(((pos, role, name) for x in self.owned.get(node, {})
                           for role in self.held[x][0] for pos in self.held[x][1] for name in self.held[x][2]),
                          key=lambda row: (row[0], row[2]))     # a tie (a node shared by two measures) by name: not set order
            for role, prop in (("lead", PKG.leadNames), ("co", PKG.coNames), ("joint", PKG.jointNames)):
                names = [name for _, r, name in rows if r == role]
                if names:
                    self.add(node, prop, Literal("、".join(names)))

    def deadline(self, node: URIRef, deadline: Deadline | None) -> None:
        """What a record's deadline says about dates: every record states its kind (``none`` without
        one); a deadline keeps its text as written and, when dated, its due date, any start, and the
        rule that told them — so an analyst can sort by date and see how each was inferred."""
        self.add(node, PKG.deadlineKind, Literal(deadline.kind if deadline is not None else "none"))
        if deadline is None:
            return
        self.add(node, PKG.deadline, Literal(deadline.text))
        if deadline.rule:
            self.add(node, PKG.dueDateRule, Literal(deadline.rule))
        for prop, day in ((PKG.dueDate, deadline.end), (PKG.startDate, deadline.start)):
            if day is not None:
                self.add(node, prop, Literal(day.isoformat(), datatype=XSD.date))

    def item(self, node: URIRef, cls: URIRef, item: Item) -> None:
        self.add(node, RDF.type, cls)
        self.add(node, PKG.ordinal, Literal(item.ordinal))
        if item.label:
            self.add(node, SKOS.notation, Literal(item.label))
        self.add(node, PKG.text, txt(item.text))
        self.add(node, PKG.sourceText, txt(item.source_text))
        for ref in item.references:
            self.reference(ref, node)
        self.derived(node, *item.spans)

    def quantities(self, owner: URIRef, quantities: tuple[Quantity, ...], span: LineSpan) -> None:
        for ordinal, q in enumerate(quantities, start=1):
            node = self.iri.quantity(owner, ordinal)
            self.add(owner, PKG.hasQuantity, node)
            self.add(node, RDF.type, PKG.Quantity)
            self.add(node, PKG.ordinal, Literal(ordinal))
            self.add(node, SDO.value, decimal(q.value))
            self.add(node, PKG.valueText, Literal(q.value_text))
            self.add(node, SDO.unitText, Literal(q.unit))
            self.add(node, PKG.comparator, Literal(q.comparator))
            self.add(node, PKG.surface, Literal(q.surface))
            if q.year is not None:
                self.add(node, PKG.dueYear, Literal(str(q.year), datatype=XSD.gYear))
            self.derived(node, span)

    def super_properties(self) -> None:
        """State every super-property ``ontology.ttl`` declares (``pkg:leadUnit`` → ``pkg:assignedUnit``
        → ``prov:wasAssociatedWith`` …), so a query for the parent finds what no reasoner infers."""
        closure = super_property_closure()
        for s, p, o in list(self.g):
            for parent in closure.get(p, ()):
                self.add(s, parent, o)

    def lexicon_schemes(self) -> None:
        for name in ("unit_types.ttl", "topics.ttl"):
            for prefix, ns in scheme_graph(name).namespaces():
                if prefix not in PREFIXES:
                    self.g.bind(prefix, ns)
            self.g += _scheme_triples(name)


@lru_cache(maxsize=4)
def _scheme_triples(name: str) -> tuple:
    """A lexicon scheme's triples, read out of its graph once per process (every document adds them)."""
    return tuple(scheme_graph(name))


def to_graph(linked: LinkedDocument) -> Graph:
    """The document's graph as an rdflib graph (:func:`to_triples`, made into a graph)."""
    return to_triples(linked).graph()


def to_triples(linked: LinkedDocument) -> DocumentTriples:
    """The document's triples and prefixes: the passes below, in order."""
    m = _Mapper(linked)
    m.source_file()       # the file the graph was built from
    m.document()          # title, issuer, date, recipients, implemented documents, task list
    m.sections()          # 一、二、三、
    m.pillars()           # the 总体任务 as a SKOS scheme
    m.goals()             # overall goals with their quantities
    m.provisions()        # paragraphs that assign no unit
    m.narrative()         # measures closed by （责任单位：…）, linked to tasks
    m.tasks()             # the task list: targets, measures, units, persons, phase
    m.records()           # measures of the running text closed by responsibility notes
    m.record_summaries()  # each record's place, first line and unit lists, for the questions that list records
    m.super_properties()  # the declared parents of the properties used (assignedUnit, dcterms:hasPart …)
    m.lexicon_schemes()   # unit types and topics, so every concept has its labels
    return m.g
