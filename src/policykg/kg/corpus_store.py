"""The corpus as N-Quads and as a store: ``corpus.nq`` and ``store/``.

``corpus.nq`` holds every named graph as sorted N-Quads: the shared graph (the ontology
and the lexicon's schemes, once), the lineage graph, each built document's graph (named by
its IRI, without the shared schemes) and the analysis graph. The store bulk-loads it,
with the merge of the named graphs as the default graph a query reads.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from policykg.kg.layout import ANALYSIS_FILE, CORPUS_NQ, DOCS_DIR, PARTS_DIR, TURTLE, doc_folder
from policykg.kg.lineage import lineage_graph
from policykg.kg.timing import tick
from policykg.vocab import LINEAGE_GRAPH, SHARED_GRAPH


def named_graph(turtle: bytes, doc: str, fmt: str = "ttl") -> bytes:
    """A document's Turtle (or N-Triples), without the shared schemes, as sorted N-Quads in graph ``doc``.

    The terms are Oxigraph's (it drops ``^^xsd:string``, lower-cases language tags, escapes tabs):
    the text that :func:`merged_default_graph` and the store read. N-Triples as this build writes
    them (one statement a line) are filtered on the line's subject; a line Oxigraph would write as
    it is (:data:`_AS_OXIGRAPH_WRITES`: IRIs, an unescaped literal, plain, lower-case tagged or of a
    few datatypes — most lines of a document) is kept as it is, and only the others are sent through
    Oxigraph, once, not built into Python quads.
    """
    import pyoxigraph as ox

    from policykg.kg.publish import ntriples_lines
    shared = _shared_subjects()
    graph = str(ox.NamedNode(doc))
    if fmt == "nt":
        ending, subjects = f" {graph} .".encode("utf-8"), _shared_subject_bytes()
        lines, odd = [], []
        for line in turtle.split(b"\n"):
            if line and line[:line.find(b" ")] not in subjects:
                (lines if _AS_OXIGRAPH_WRITES.fullmatch(line) else odd).append(line)
        lines = [line[:-2] + ending for line in lines]
        if odd:
            text = ox.serialize(ox.parse(b"\n".join(odd), format=ox.RdfFormat.N_TRIPLES),
                                format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
            lines += [f"{line[:-1]}{graph} .".encode("utf-8") for line in ntriples_lines(text)]
        return b"\n".join(sorted(lines)) + b"\n"
    quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(doc))
             for t in ox.parse(turtle, format=ox.RdfFormat.TURTLE) if str(t.subject) not in shared]
    text = ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode("utf-8")
    return ("\n".join(sorted(ntriples_lines(text))) + "\n").encode("utf-8")


#: A line of N-Triples that Oxigraph writes back byte for byte (UTF-8): absolute IRIs of the printable
#: ASCII that IRIs allow and percent escapes (the build's IRIs, kg/iri.py); then an IRI, or a literal
#: without escapes and without characters that Oxigraph or :func:`policykg.kg.publish.ntriples_lines`
#: escape (controls, U+0085, U+2028, U+2029), untagged, tagged in lower case, or of a datatype Oxigraph
#: keeps as written (not ``xsd:string``, which it drops). Anything else goes through Oxigraph.
_IRI = rb'<[a-z][a-z0-9+.-]*+:(?:[!#$&-;=?-Z_a-z~]++|%[0-9A-Fa-f]{2})*+>'
_AS_OXIGRAPH_WRITES = re.compile(
    _IRI + rb' ' + _IRI + rb' (?:' + _IRI
    + rb'|"(?:[^"\\\x00-\x1f\x7f\xc2\xe2]++|\xc2[\xa0-\xbf]|\xe2(?!\x80[\xa8\xa9])[\x80-\xbf]{2})*+"'
    + rb'(?:@[a-z]++(?:-[a-z0-9]++)*+|\^\^<http://www\.w3\.org/2001/XMLSchema#(?:integer|decimal|date|gYear|boolean)>)?'
    + rb') \.')


@lru_cache(maxsize=1)
def _shared_subject_bytes() -> frozenset[bytes]:
    return frozenset(subject.encode("utf-8") for subject in _shared_subjects())


@lru_cache(maxsize=1)
def _shared_subjects() -> frozenset[str]:
    from policykg.ingest.lexicon import scheme_graph
    subjects = set()
    for name in ("unit_types.ttl", "topics.ttl"):
        subjects |= {s.n3() for s in scheme_graph(name).subjects()}
    return frozenset(subjects)


def shared_graph() -> bytes:
    """The ontology and the lexicon's schemes, as N-Quads in the shared graph."""
    from rdflib import Graph

    from policykg.ingest.lexicon import scheme_graph
    from policykg.resources import ontology_path
    from policykg.kg.publish import ntriples_lines
    graph = Graph().parse(ontology_path(), format="turtle")
    for name in ("unit_types.ttl", "topics.ttl"):
        graph += scheme_graph(name)
    lines = [f"{line[:-1].rstrip()} <{SHARED_GRAPH}> ."
             for line in ntriples_lines(graph.serialize(format="nt", encoding="utf-8").decode("utf-8"))]
    return ("\n".join(sorted(lines)) + "\n").encode("utf-8")


class Spool:
    """The blocks of ``corpus.nq`` that the built documents bring, written as their results arrive.

    ``corpus.nq`` holds the shared and lineage graphs first, then every document's graph, then the
    analysis graph; the lineage is known only when every document is built. So each document's named
    graph (its part in ``.parts/``, removed once read) and its part of the analysis graph are appended,
    as the workers hand them over (in input order), to two files of ``.parts/``, with their place,
    length and SHA-256: :func:`write_corpus_nq` copies them from there in the kernel and hashes nothing
    again. What the build does after its workers is then the small graphs and one copy.
    """

    DOCUMENTS, ANALYSIS = "documents.spool", "analysis.spool"     # never a part's name (``<folder>.nq``)

    def __init__(self, stage: Path):
        self.stage = stage
        self.files = {kind: open(stage / PARTS_DIR / name, "wb") for kind, name in
                      (("doc", self.DOCUMENTS), ("analysis", self.ANALYSIS))}
        self.blocks: dict[tuple[str, str], list] = {}      # (kind, id) → [start, length, sha]
        #: IRI → what its graph says for the unit pairs (:func:`policykg.kg.unit_pairs.document_facts`),
        #: read here where the bytes are at hand; the first document of an IRI, as the corpus keeps it
        self.facts: dict[str, tuple] = {}
        #: called when the workers are done (:meth:`close`): the streaming load sends its last piece
        self.on_close = None

    def take(self, result) -> list[tuple[str, bytes, str]]:
        """Spool a worker's result (:class:`policykg.kg.document_build.Built`); return its blocks as
        ``(block key, bytes, SHA-256)``: what the streaming load loads (:mod:`policykg.kg.stream_load`)."""
        import hashlib

        from policykg.kg.incremental import analysis_key
        entry = result.entry
        if entry.get("status") != "built":
            return []
        name = doc_folder(entry["id"])
        part = self.stage / PARTS_DIR / f"{name}.nq"
        taken = [("doc", entry["iri"], part.read_bytes())]
        part.unlink()                          # read once; gone before the kernel writes it to disk
        if entry["iri"] not in self.facts:
            from policykg.kg.unit_pairs import document_facts
            self.facts[entry["iri"]] = document_facts(taken[0][2], entry["iri"])
        analysis = self.stage / DOCS_DIR / name / ANALYSIS_FILE
        if analysis.is_file():
            taken.append(("analysis", analysis_key(entry["iri"]), analysis.read_bytes()))
        out = []
        for kind, key, data in taken:
            target = self.files[kind]
            digest = hashlib.sha256(data).hexdigest()
            self.blocks[kind, entry["id"]] = [target.tell(), len(data), digest]
            if data:                           # an empty block is no block (Blocks.write)
                target.write(data)
                out.append((key, data, digest))
        return out

    def close(self) -> None:
        """No more results: the spooled files are complete (and open to be copied from)."""
        if self.on_close is not None:
            self.on_close()
            self.on_close = None
        for kind, target in self.files.items():
            if not target.closed and target.mode == "wb":
                target.close()
                self.files[kind] = open(target.name, "rb")

    def copy(self, blocks, kind: str, doc_id: str, key: str) -> bool:
        """Copy a spooled block into ``blocks`` (:class:`policykg.kg.incremental.Blocks`, writing
        ``corpus.nq``) as ``key``, in the kernel; False when ``doc_id`` spooled none of this kind."""
        block = self.blocks.get((kind, doc_id))
        if block is None:
            return False
        start, length, digest = block
        if length:
            blocks.target.flush()
            offset = blocks.target.tell()
            copy_range(self.files[kind], blocks.target, start, length, offset)
            blocks.target.seek(offset + length)
            blocks.index[key] = [offset, length, digest]
        return True

    def discard(self) -> None:
        for target in self.files.values():
            target.close()


def copy_range(source, target, start: int, length: int, offset: int) -> None:
    """``length`` bytes of file ``source`` from ``start`` into file ``target`` at ``offset``, in the
    kernel where it can (``copy_file_range``), else read and written here."""
    copied, fd_in, fd_out = 0, source.fileno(), target.fileno()
    while copied < length:
        try:
            done = os.copy_file_range(fd_in, fd_out, length - copied, start + copied, offset + copied)
        except (OSError, AttributeError):          # none here (or across file systems): by hand
            done = os.pwrite(fd_out, os.pread(fd_in, min(length - copied, 64 << 20), start + copied),
                             offset + copied)
        if done <= 0:
            raise OSError(f"corpus.nq: copy stopped at {copied} of {length} bytes")
        copied += done


def write_corpus_nq(stage: Path, out: Path, entries: list[dict], built: set[str],
                    links: list[tuple[str, str, str]], analysis: bool, old_blocks: dict | None = None,
                    spool: Spool | None = None, last_entries: dict[str, dict] | None = None) -> dict:
    """``corpus.nq``: the shared and lineage graphs, each built document's named graph (a new one's
    block of the ``spool``, or its part; a reused one's block of the last ``corpus.nq`` — or its Turtle,
    parsed, when the last build left no block —, its folder linked over from the last build), the
    analysis graph. Return the blocks written (:class:`policykg.kg.incremental.Blocks`).

    ``built`` holds the ids of the documents built now (their blocks wait in the ``spool``, or their
    parts in ``.parts/``); every other built entry is reused from the last build at ``out``, whose
    entries by id are ``last_entries`` (:func:`policykg.kg.manifest.last_build`, as the build read it)."""
    from policykg.kg.incremental import Blocks, analysis_key
    docs, parts = stage / DOCS_DIR, stage / PARTS_DIR
    tick("corpus.nq: start")
    if spool is not None:
        spool.close()
    with open(stage / CORPUS_NQ, "wb") as nq:
        blocks = Blocks(nq, out / CORPUS_NQ, old_blocks)
        if not blocks.copy_old(SHARED_GRAPH):          # the same builder: the same ontology and schemes
            blocks.write(SHARED_GRAPH, shared_graph())
        blocks.write(LINEAGE_GRAPH, lineage_graph(links))
        for entry in entries:
            name = doc_folder(entry["id"])
            if entry["status"] != "built":
                continue
            if entry["id"] in built:
                if spool is None or not spool.copy(blocks, "doc", entry["id"], entry["iri"]):
                    blocks.write(entry["iri"], (parts / f"{name}.nq").read_bytes())
                continue
            link_folder(out / DOCS_DIR / name, docs / name)
            if not blocks.copy_old(entry["iri"]):
                blocks.write(entry["iri"], named_graph((docs / name / TURTLE).read_bytes(), entry["iri"]))
        tick("corpus.nq: the documents' graphs written")
        if analysis:                       # after every document: one graph, in input order
            for entry in entries:
                if entry["status"] != "built" or (entry["id"] in built and spool is not None and
                                                  spool.copy(blocks, "analysis", entry["id"],
                                                             analysis_key(entry["iri"]))):
                    continue
                part = docs / doc_folder(entry["id"]) / ANALYSIS_FILE
                if part.is_file():
                    blocks.write(analysis_key(entry["iri"]), part.read_bytes())
        write_unit_pairs(blocks, entries, built, spool.facts if spool is not None else {},
                         (last_entries or {}) if old_blocks else None)
        blocks.close()
    if spool is not None:
        spool.discard()
    tick("corpus.nq written")
    return blocks.index


def write_unit_pairs(blocks, entries: list[dict], built: set[str], facts: dict[str, tuple],
                     last_entries: dict[str, dict] | None) -> None:
    """The graph of unit pairs (:mod:`policykg.kg.unit_pairs`), one block per jurisdiction the built
    documents' entries name: written for the jurisdictions a document of which changed, came or went
    since the last build (``last_entries``, its entries by id; every one when ``None``: no last build's
    blocks to copy), else copied from the last ``corpus.nq``. A document's facts come from the spool
    (``facts``, built now) or from its block just written (:class:`policykg.kg.incremental.Blocks`)."""
    from policykg.kg.unit_pairs import affected, block_key, document_facts, pairs_block
    groups: dict[str, list[dict]] = {}
    for entry in entries:
        if entry["status"] == "built" and entry.get("jurisdiction"):
            groups.setdefault(entry["jurisdiction"], []).append(entry)
    todo = affected(last_entries, entries, built) if last_entries is not None else set(groups)
    blocks.target.flush()
    with open(blocks.target.name, "rb") as written:
        for name in sorted(groups, key=block_key):
            if name not in todo and blocks.copy_old(block_key(name)):
                continue
            documents = []
            for entry in groups[name]:
                found = facts.get(entry["iri"])
                if found is None:
                    start, length, _ = blocks.index[entry["iri"]]
                    found = document_facts(os.pread(written.fileno(), length, start), entry["iri"])
                documents.append((entry["iri"], found))
            blocks.write(block_key(name), pairs_block(documents))
    tick("corpus.nq: unit pairs")


def link_folder(source: Path, target: Path) -> None:
    """``target`` a new folder holding hard links to ``source``'s files (a reused document's folder of the
    last build); a subfolder, should one be there, the same way. Cheaper than :func:`shutil.copytree`,
    which also copies each folder's times and flags: a thousand folders a rebuild."""
    os.mkdir(target)
    with os.scandir(source) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                link_folder(Path(entry.path), target / entry.name)
            elif entry.is_symlink():
                os.symlink(os.readlink(entry.path), target / entry.name)
            else:
                os.link(entry.path, target / entry.name)


def merged_default_graph(nquads: Path, ntriples: Path) -> Path:
    """Write every triple of every named graph of ``nquads`` into ``ntriples``: the default graph.

    Queries that name no dataset read the default graph: the merge, where a unit or a
    jurisdiction that several documents describe is one set of triples. Asking
    Oxigraph for the union of the named graphs instead counts those triples once per
    graph (a multiset) and is slower; the named graphs stay for ``--doc`` and ``GRAPH``.

    Done on the text, line by line: ``corpus.nq`` is canonical N-Quads that this module
    writes, one quad per line ending in `` <graph> .``, so dropping the last term gives
    N-Triples. (Parsing three million quads into Python objects and handing them back costs
    several times more.) A line of any other form is refused rather than guessed at.
    """
    with open(nquads, "rb") as source, open(ntriples, "wb") as target:
        for number, line in enumerate(source, 1):
            triple = _as_triple(line, nquads, number)
            if triple is not None:
                target.write(triple)
    return ntriples


def _as_triple(line: bytes, nquads: Path, number: int) -> bytes | None:
    """One line of ``corpus.nq`` without its graph (None for a blank line); ValueError for a line that is
    no quad in a named graph."""
    if not line.strip():
        return None
    head, mark, graph = line.rstrip(b"\r\n").rpartition(b" <")
    # subject and predicate hold no space, so a quad leaves three terms before the graph
    if not mark or not graph.endswith(b"> .") or b" " in graph[:-3] or len(head.split(b" ", 2)) < 3:
        raise ValueError(f"{nquads}:{number}: not a quad in a named graph")
    return head + b" .\n"


#: ``corpus.nq`` is loaded in pieces of about this many bytes, each followed by its copy in the default
#: graph: one pass over the file, no second file written, and the bulk loader holds one piece at a time.
LOAD_PIECE = 64 << 20
#: The graph term that ends a line of ``corpus.nq`` (an IRI holds no space, quote or angle bracket).
_GRAPH_AT_END = re.compile(rb' <[^<>"\s]*> \.\n')


def with_default_graph(piece: bytes, nquads: Path, first_line: int) -> bytes:
    """``piece`` (whole lines of ``corpus.nq``) followed by the same statements in the default graph, as
    one N-Quads text. The graph is cut off on the whole piece at once; when not every line ends in a
    graph (a blank line, or a line that is no quad: refused), the lines are taken one by one as
    :func:`merged_default_graph` takes them."""
    triples, found = _GRAPH_AT_END.subn(b" .\n", piece)
    if found != piece.count(b"\n"):
        lines = piece.split(b"\n")[:-1]
        triples = b"".join(t for n, line in enumerate(lines, first_line)
                           if (t := _as_triple(line, nquads, n)) is not None)
    return piece + triples


def _pieces(source, size: int = LOAD_PIECE):
    """``(first line number, bytes)``: whole lines of ``source``, about ``size`` bytes at a time."""
    rest, line = b"", 1
    while True:
        more = source.read(size)
        data = rest + more
        cut = data.rfind(b"\n") + 1
        if not more:                                  # the end: a last line may lack its line break
            if data.strip():
                yield line, data if data.endswith(b"\n") else data + b"\n"
            return
        if cut == 0:                                  # a line longer than a piece: read on
            rest = data
            continue
        data, rest = data[:cut], data[cut:]
        yield line, data
        line += data.count(b"\n")


def write_corpus_store(target: Path, nquads: Path, piece: int = LOAD_PIECE) -> Path:
    """The Oxigraph store of the corpus: every named graph, and their merge as the default graph,
    bulk-loaded from the N-Quads file in one pass (each piece with its default-graph copy,
    :func:`with_default_graph`); in the merge each unit keeps one preferred name
    (:func:`policykg.kg.store.one_preferred_label`)."""
    import pyoxigraph as ox

    from policykg.kg.store import one_preferred_label
    store = ox.Store(str(target))
    with open(nquads, "rb") as source:
        for first, lines in _pieces(source, piece):
            # lenient: the IRIs are not validated again — corpus.nq is written by the build from terms it made
            # and checked (percent-encoded names, kg/iri.py), and skipping it is a tenth of the load
            store.bulk_load(input=with_default_graph(lines, nquads, first), format=ox.RdfFormat.N_QUADS, lenient=True)
    one_preferred_label(store)
    store.flush()
    store.optimize()
    del store
    return target


def write_default_graph(nquads: Path, store: Path | None, ntriples: Path) -> int:
    """Write the default graph a corpus's queries read into ``ntriples`` (N-Triples); return its triples.

    It is what the local store answers from — the merge of the named graphs, each unit with one
    preferred name (:func:`write_corpus_store`) — taken from the built ``store`` when there is one
    (read-only, dumped as it is), else computed from ``nquads`` into a temporary store beside
    ``ntriples`` (a fresh clone's ``graph/`` carries ``corpus.nq`` but no store). A server that is
    sent only the named graphs has no such graph: ``policykg push`` sends this one too.
    """
    import tempfile

    import pyoxigraph as ox
    from policykg.kg.incremental import store_describes
    if store is not None and not store_describes(store, nquads):
        store = None                             # a store of another build: the merge is made from corpus.nq
    with tempfile.TemporaryDirectory(dir=ntriples.parent, prefix=".default-") as scratch:
        if store is None:
            store = write_corpus_store(Path(scratch) / "store", nquads)
        source = ox.Store.read_only(str(store))
        source.dump(str(ntriples), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        del source
    with open(ntriples, "rb") as fh:
        return sum(1 for line in fh if line.strip())
