"""The closed vocabularies the mapping uses, as rdflib terms: a mistyped term fails at import.

``PKG`` lists exactly the terms ``ontology.ttl`` declares (``tests/test_vocab.py``
checks that the two agree); ELI is declared here because rdflib does not ship it.
The namespaces themselves are spelt once, as plain strings, in :mod:`policykg.vocab`:
the query path reads them there without loading rdflib, which only the build needs.
"""

from rdflib import URIRef
from rdflib.namespace import DefinedNamespace, Namespace

from policykg.vocab import ELI_NS, ID_NS, PKG_NS

#: Every IRI policykg mints starts here (``policykg.kg.iri`` makes them).
ID = Namespace(ID_NS)


class PKG(DefinedNamespace):
    """policykg ontology terms (generated from ontology.ttl, kept in step by a test)."""

    _NS = Namespace(PKG_NS)
    _fail = True

    Behind: URIRef
    CoRole: URIRef
    Community: URIRef
    CrossCommunityPair: URIRef
    Completed: URIRef
    DocumentGoal: URIRef
    Extended: URIRef
    ExtensionRequested: URIRef
    InProgress: URIRef
    JointRole: URIRef
    Jurisdiction: URIRef
    KeyTask: URIRef
    LeadRole: URIRef
    Measure: URIRef
    NarrativeMeasure: URIRef
    NetworkAnalysis: URIRef
    NotStarted: URIRef
    Phase: URIRef
    Pillar: URIRef
    PolicyDocument: URIRef
    ProgressReport: URIRef
    ProgressStatus: URIRef
    Provision: URIRef
    Quantity: URIRef
    ReferencedDocument: URIRef
    Responsibility: URIRef
    ResponsibilityRecord: URIRef
    ResponsibilityRole: URIRef
    Section: URIRef
    SourceFile: URIRef
    SourceSpan: URIRef
    StatusUpdate: URIRef
    Target: URIRef
    TaskLink: URIRef
    TaskList: URIRef
    UnitCentrality: URIRef
    UnitPair: URIRef

    administrativeLevel: URIRef
    algorithm: URIRef
    approval: URIRef
    asOf: URIRef
    assignedUnit: URIRef
    basis: URIRef
    betweenness: URIRef
    builder: URIRef
    carriedOutBy: URIRef
    citesDocument: URIRef
    coNames: URIRef
    coUnit: URIRef
    community: URIRef
    comparator: URIRef
    deadline: URIRef
    deadlineKind: URIRef
    degree: URIRef
    documentCount: URIRef
    documentIds: URIRef
    dueDate: URIRef
    dueDateRule: URIRef
    dueYear: URIRef
    eigenvector: URIRef
    encoding: URIRef
    endLine: URIRef
    endYear: URIRef
    evidence: URIRef
    fileFormat: URIRef
    fileName: URIRef
    firstCommunity: URIRef
    firstLine: URIRef
    firstPartnerName: URIRef
    firstUnit: URIRef
    fullName: URIRef
    hasGoal: URIRef
    hasMeasure: URIRef
    hasNarrativeMeasure: URIRef
    hasPillar: URIRef
    hasProvision: URIRef
    hasQuantity: URIRef
    hasRecord: URIRef
    hasResponsibility: URIRef
    hasSection: URIRef
    hasTarget: URIRef
    hasTask: URIRef
    hasTaskLink: URIRef
    hasTaskList: URIRef
    heading: URIRef
    inAnalysis: URIRef
    inDocument: URIRef
    inJurisdiction: URIRef
    inReport: URIRef
    inSection: URIRef
    jointNames: URIRef
    jointUnit: URIRef
    layoutReader: URIRef
    leadNames: URIRef
    leadUnit: URIRef
    leaderInCharge: URIRef
    locator: URIRef
    liaison: URIRef
    linkScore: URIRef
    linkedTask: URIRef
    member: URIRef
    mentionsUnit: URIRef
    noticeTitle: URIRef
    number: URIRef
    ongoing: URIRef
    ordinal: URIRef
    phase: URIRef
    pillarInherited: URIRef
    plansDocument: URIRef
    position: URIRef
    progressNote: URIRef
    recipients: URIRef
    recordPlace: URIRef
    reportedBy: URIRef
    reportFile: URIRef
    role: URIRef
    rowNumber: URIRef
    secondCommunity: URIRef
    secondPartnerName: URIRef
    secondUnit: URIRef
    seed: URIRef
    serialNumber: URIRef
    sharedRecords: URIRef
    sharedTerm: URIRef
    sharedWork: URIRef
    shortId: URIRef
    sourceText: URIRef
    startDate: URIRef
    startLine: URIRef
    startYear: URIRef
    status: URIRef
    statusOf: URIRef
    statusText: URIRef
    surface: URIRef
    taskNumber: URIRef
    text: URIRef
    unit: URIRef
    unitPairsCounted: URIRef
    unitsText: URIRef
    valueText: URIRef
    weightedDegree: URIRef
    writtenName: URIRef


class ELI(DefinedNamespace):
    """The European Legislation Identifier terms we reuse."""

    _NS = Namespace(ELI_NS)
    _fail = True

    LegalResource: URIRef
    implements: URIRef
    id_local: URIRef
