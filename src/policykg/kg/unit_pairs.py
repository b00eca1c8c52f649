"""Units assigned together, per jurisdiction over the whole corpus: the graph ``id/graph/unit-pairs``.

The question ``corpus_shared_responsibilities`` asks, per jurisdiction of the documents, which two
units are assigned to the same responsibility record (``pkg:assignedUnit``, any role), in how many
records and documents. It spans documents, so no document's build can answer it, and pairing every
record's units at question time reads ~130k record–unit rows at 1,000 documents (2.3 s). The build
answers it instead, at corpus level: one ``pkg:UnitPair`` node per row of the answer, a property per
column — ``pkg:inJurisdiction`` (the place; the question reads its name from it), ``pkg:firstPartnerName``
and ``pkg:secondPartnerName`` (the row's names, the first sorting first), ``pkg:sharedRecords``,
``pkg:documentCount`` and ``pkg:documentIds`` (short ids, sorted, joined with ``,``: the list as the answer
shows it) — and each document counted says so (``pkg:unitPairsCounted true``): on a store scoped to one
document (``--doc``), where this graph is not, the question pairs that document's records itself.

Why a row can be written whole by the build: a unit's IRI is minted from its document's jurisdiction
(:meth:`policykg.kg.iri.IRI.unit`), so only documents of that jurisdiction describe it, and its name
in the merged default graph — the name most of them use, ties to the first in code-point order
(:func:`policykg.kg.store.one_preferred_label`) — depends on them alone. Each jurisdiction is one block
of ``corpus.nq`` (:func:`block_key`, keyed by the documents' jurisdiction as the manifest names it); a
rebuild writes again only the blocks of the jurisdictions whose documents changed, came or went
(:func:`affected`) and copies every other.

The documents' facts are read from each document's block of ``corpus.nq`` (its named graph as
sorted N-Quads, :func:`document_facts`): a pass of ``bytes.find`` over its ``pkg:assignedUnit``
lines, and its units' and places' lines found by bisection (they sort after the records').
"""

from __future__ import annotations

import hashlib
import re

from policykg.vocab import ID_NS, PKG_NS, XSD_NS

#: The corpus-level graph of unit pairs (beside the lineage and analysis graphs).
UNIT_PAIRS_GRAPH = ID_NS + "graph/unit-pairs"

_SPATIAL = b"> <http://purl.org/dc/terms/spatial> <"
_SHORT_ID = b"> <" + PKG_NS.encode() + b"shortId> \""
_ASSIGNED = b"> <" + PKG_NS.encode() + b"assignedUnit> <"
_PREF_LABEL = b"> <http://www.w3.org/2004/02/skos/core#prefLabel> \""
_AREA_SERVED = b"> <https://schema.org/areaServed> <"
_ORG = b"<" + ID_NS.encode() + b"org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def block_key(jurisdiction: str) -> str:
    """The key of the block of the documents whose manifest entry names ``jurisdiction``
    (:class:`policykg.kg.incremental.Blocks`)."""
    return f"{UNIT_PAIRS_GRAPH} {jurisdiction}"


def document_facts(data: bytes, iri: str) -> tuple:
    """What document ``iri``'s block of ``corpus.nq`` (its named graph, as sorted N-Quads) says for the
    pairs: ``(jurisdictions, short ids, records, labels, served)`` — its ``dcterms:spatial`` places;
    its ``pkg:shortId`` values; ``(record, sorted units)`` for each responsibility record with more than
    one unit; ``{subject: [(literal as written, language), ...]}`` of the units' and places'
    ``skos:prefLabel``; ``{unit: [place, ...]}`` of ``schema:areaServed``.

    The mapping states ``pkg:assignedUnit`` only of a responsibility record
    (:meth:`policykg.kg.rdf.Mapper.assignment`, which also types it) and every record of a document is
    ``pkg:inDocument`` it, so its lines are the records'. The document's own lines sort after its
    records' (``<doc>`` after ``<doc/…>``), and the units' (``id/org/…``) and places' after those."""
    subject = b"\n<" + iri.encode()
    places: list[bytes] = []
    ids: list[bytes] = []
    for marker, found in ((_SPATIAL, places), (_SHORT_ID, ids)):
        at = data.rfind(subject + marker)
        while at >= 0:
            start = at + len(subject) + len(marker)
            found.append(data[start:data.find(b"\n", start)])
            at = data.rfind(subject + marker, 0, at)
        if data.startswith(subject[1:] + marker):      # the block's first line (no line break before it)
            start = len(subject) - 1 + len(marker)
            found.append(data[start:data.find(b"\n", start)])
    records: dict[bytes, set[bytes]] = {}
    at = data.find(_ASSIGNED)
    while at >= 0:
        start = data.rfind(b"\n", 0, at) + 1
        end = data.find(b">", at + len(_ASSIGNED))
        records.setdefault(data[start + 1:at], set()).add(data[at + len(_ASSIGNED):end])
        at = data.find(_ASSIGNED, end)
    tail = _first_line_from(data, _ORG)
    labels: dict[str, list[tuple[str, str]]] = {}
    for name, rest in _lines(data, _PREF_LABEL, tail):
        text, _, after = rest.rpartition(b" <")
        labels.setdefault(name.decode(), []).append(_plain(b'"' + text))
    served: dict[str, list[str]] = {}
    for name, rest in _lines(data, _AREA_SERVED, tail):
        served.setdefault(name.decode(), []).append(rest.split(b">", 1)[0].decode())
    return ([p.split(b">", 1)[0].decode() for p in places], [_plain(b'"' + i.rpartition(b" <")[0])[0] for i in ids],
            [(r.decode(), sorted(u.decode() for u in units)) for r, units in records.items() if len(units) > 1],
            labels, served)


def _lines(data: bytes, marker: bytes, start: int):
    """``(subject IRI, rest of the line after the marker)`` of the lines holding ``marker`` from ``start``."""
    at = data.find(marker, start)
    while at >= 0:
        begin = data.rfind(b"\n", 0, at) + 1
        end = data.find(b"\n", at)
        end = len(data) if end < 0 else end
        yield data[begin + 1:at], data[at + len(marker):end]
        at = data.find(marker, end)


def _first_line_from(data: bytes, key: bytes) -> int:
    """Where the first line of sorted ``data`` that is not below ``key`` starts (bisection on lines)."""
    lo, hi = 0, len(data)
    while lo < hi:
        mid = (lo + hi) // 2
        start = data.rfind(b"\n", 0, mid) + 1
        if start < lo:
            start = lo
        if data[start:start + len(key)] < key:
            end = data.find(b"\n", start)
            lo = len(data) if end < 0 else end + 1
        else:
            hi = start
    return lo


def _plain(literal: bytes) -> tuple[str, str]:
    """``(lexical form, language)`` of an N-Quads literal as Oxigraph writes it (``"…"``, ``"…"@tag``,
    ``"…"^^<type>``: a typed literal has no language — its type does not matter to ``STR``)."""
    close = literal.rfind(b'"')
    text, after = literal[1:close], literal[close + 1:]
    language = after[1:].decode() if after.startswith(b"@") else ""
    if b"\\" not in text:
        return text.decode(), language
    import pyoxigraph as ox                        # escaped: Oxigraph reads it back
    quad = next(iter(ox.parse(b'<x:s> <x:p> "' + text + b'" .', format=ox.RdfFormat.N_TRIPLES)))
    return quad.object.value, language


def names(facts: list[tuple]) -> dict[str, str]:
    """Each subject's name in the merged default graph as the question reads it (``MIN(STR(label))``):
    per language the label most documents state (ties: the first in code-point order, as
    :func:`policykg.kg.store.one_preferred_label` keeps it), the least of those."""
    stated: dict[str, dict[tuple[str, str], int]] = {}
    for doc in facts:
        for subject, labels in doc[3].items():
            counts = stated.setdefault(subject, {})
            for label in set(labels):
                counts[label] = counts.get(label, 0) + 1
    out = {}
    for subject, counts in stated.items():
        chosen: dict[str, tuple[int, str]] = {}
        for (text, language), n in counts.items():
            if language not in chosen or (-n, text) < chosen[language]:
                chosen[language] = (-n, text)
        out[subject] = min(text for _, text in chosen.values())
    return out


def pairs_block(documents: list[tuple[str, tuple]]) -> bytes:
    """The N-Quads of one block: ``documents`` are ``(IRI, facts)`` (:func:`document_facts`) of the
    documents whose entries name one jurisdiction. The rows are those of ``corpus_shared_responsibilities``
    for the jurisdictions the documents state; sorted lines, empty when they state none.

    A row is a typed node (``id/unit-pair/…``, named by its place and names): its type, its place
    (``pkg:inJurisdiction``, whose name the question reads from the place), its two names, two integers and
    the list of short ids. No links to the units' IRIs (a name may stand for several): each quad costs
    ~11 µs of CPU to load with its copy in the default graph, and compacting it with the rest (~40k rows
    at 1,000 documents: two links a row would be ~1.5 s more of a build that has ~10 s to spare)."""
    end = f" <{UNIT_PAIRS_GRAPH}> .\n"
    named = names([facts for _, facts in documents])
    served: dict[str, list[str]] = {}
    for _, facts in documents:
        for unit, places in facts[4].items():
            served.setdefault(unit, places)
    rows: dict[tuple[str, str, str], list] = {}         # (place, name a, name b) → [records, docs, ids]
    lines = []
    for iri, (places, ids, records, _, _) in documents:
        if places:
            lines.append(f"<{iri}> <{PKG_NS}unitPairsCounted> \"true\"^^<{XSD_NS}boolean>{end}")
        for place in places:
            if place not in named:
                continue                                # a jurisdiction without a name: no row (inner join)
            shown_in: dict[str, str] = {}               # unit → its name as a row of this place writes it
            for record, units in records:
                shown = sorted({shown_in.get(u) or shown_in.setdefault(u, _shown(u, place, named, served))
                                for u in units if u in named})
                for i, a in enumerate(shown):
                    for b in shown[i + 1:]:             # one name twice is one entry: no pair (unit_a < unit_b)
                        row = rows.get((place, a, b))
                        if row is None:
                            row = rows[place, a, b] = [set(), set(), set()]
                        row[0].add(record)
                        row[1].add(iri)
                        row[2].update(ids)
    integer = f"^^<{XSD_NS}integer>{end}"
    for (place, a, b), (found, docs, ids) in rows.items():
        node = f"<{ID_NS}unit-pair/{hashlib.sha1(f'{place} {a} {b}'.encode()).hexdigest()[:16]}> <"
        lines += [f"{node}{RDF_TYPE}> <{PKG_NS}UnitPair>{end}"]
        node += PKG_NS
        lines += [f"{node}inJurisdiction> <{place}>{end}",
                  f"{node}firstPartnerName> {_literal(a)}{end}",
                  f"{node}secondPartnerName> {_literal(b)}{end}",
                  f"{node}sharedRecords> \"{len(found)}\"{integer}",
                  f"{node}documentCount> \"{len(docs)}\"{integer}",
                  f"{node}documentIds> {_literal(','.join(sorted(ids)))}{end}"]
    lines.sort()
    return "".join(lines).encode("utf-8")


def _shown(unit: str, place: str, named: dict[str, str], served: dict[str, list[str]]) -> str:
    """A unit's name as the question writes it in a row of ``place``: its name, followed by ``（its place）``
    when it serves another place."""
    where = min(served.get(unit) or [""])
    if not where or where == place:
        return named[unit]
    return f"{named[unit]}（{named.get(where, '')}）"


def affected(old: dict[str, dict], entries: list[dict], built: set[str]) -> set[str]:
    """The jurisdictions (as manifest entries name them) whose blocks a rebuild writes again: those of every
    document built now, and of every document that came, went or changed IRI since the last build
    (``old``: its entries by id, :func:`policykg.kg.manifest.last_build`)."""
    def state(entry: dict | None):
        return (entry["iri"], entry.get("jurisdiction")) if entry and entry.get("status") == "built" else None
    now = {e["id"]: e for e in entries}
    out = set()
    for doc_id in set(old) | set(now):
        before, after = state(old.get(doc_id)), state(now.get(doc_id))
        if doc_id in built or before != after:
            out.update(s[1] for s in (before, after) if s and s[1])
    return out


#: A literal Oxigraph writes as it is between quotes (nothing it escapes).
_PLAIN = re.compile('[^"\\\\\x00-\x1f\x7f\x85\u2028\u2029]*')


def _literal(text: str) -> str:
    """A plain literal as Oxigraph writes it in N-Quads."""
    if _PLAIN.fullmatch(text):
        return f'"{text}"'
    import pyoxigraph as ox
    return str(ox.Literal(text))
