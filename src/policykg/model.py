"""Plain, frozen dataclasses passed between the pipeline's stages.

Each stage takes the previous stage's dataclasses and returns its own; no stage
reaches into another's internals. Every record that comes from the document
carries the 1-based, inclusive line spans it was read from, so provenance
survives all the way into the graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# ---------------------------------------------------------------- read


@dataclass(frozen=True)
class LineSpan:
    """Lines ``start``..``end`` (1-based, inclusive) of the source file."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 1 or self.end < self.start:
            raise ValueError(f"bad line span {self.start}-{self.end}")

    def lines(self) -> range:
        return range(self.start, self.end + 1)

    def __str__(self) -> str:
        return f"L{self.start}" if self.start == self.end else f"L{self.start}-L{self.end}"


@dataclass(frozen=True)
class Locator:
    """Where one line of the document as read sits in the file as published.

    A plain text's line *is* its place, so a text has no locators. Every other
    format says where each line came from: for HTML the element and its line in
    the page's source; for .docx the paragraph, or the table, row and column of a
    cell (0-based in the grid, as Word counts them from 1 in ``label``); for PDF
    the page and the box (points, ``x0, top, x1, bottom``). ``str()`` is what a
    reader is shown: ``page 3, table 1, row 5, column 7``.
    """

    kind: str                              # "html" | "docx" | "pdf"
    page: int | None = None                # 1-based
    paragraph: int | None = None           # 1-based, body order
    table: int | None = None               # 1-based, document order
    row: int | None = None                 # 0-based grid row
    column: int | None = None              # 0-based grid column
    element: str | None = None             # HTML: the tag (``p``, ``td`` …)
    source_line: int | None = None         # HTML: line of the element in the page's source
    box: tuple[float, float, float, float] | None = None   # PDF: x0, top, x1, bottom

    def __str__(self) -> str:
        parts = []
        if self.page is not None:
            parts.append(f"page {self.page}")
        if self.table is not None:
            parts.append(f"table {self.table}")
            if self.row is not None:
                parts.append(f"row {self.row + 1}")
            if self.column is not None:
                parts.append(f"column {self.column + 1}")
        elif self.paragraph is not None:
            parts.append(f"paragraph {self.paragraph}")
        if self.element is not None:
            parts.append(f"<{self.element}>" + (f" at line {self.source_line}" if self.source_line else ""))
        return ", ".join(parts) or self.kind


@dataclass(frozen=True)
class TextBlock:
    """A paragraph (or heading) as the reader found it: its lines in the document as read."""

    span: LineSpan
    style: str = "paragraph"               # "paragraph" | "heading" | "title" …, as the format marks it


@dataclass(frozen=True)
class GridCell:
    """One cell of a table as published: its place in the grid, its span, its lines.

    A merged cell is *one* cell with ``rowspan``/``colspan`` > 1 (never its text
    repeated in every row it covers, as python-docx's ``row.cells`` gives it, nor a
    hole, as pdfplumber's ``None`` is). ``span`` is the cell's lines; an empty cell is
    one blank line (``\t``, as :class:`~policykg.ingest.formats.render.Rendering` renders
    it, and as a flattened ``.txt`` keeps it), or ``None`` where a reader renders no line.
    """

    row: int
    column: int
    span: LineSpan | None
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True)
class TableBlock:
    """A table read as a table: rows × columns of :class:`GridCell` and which rows are its header.

    A table that runs over several pages is one block; its repeated header rows are
    already dropped and a row cut by a page break is already joined.
    """

    span: LineSpan
    rows: int
    columns: int
    cells: tuple[GridCell, ...]
    header_rows: int = 0


@dataclass(frozen=True)
class SourceText:
    """A decoded policy document: its lines exactly as written (no line ends).

    For a plain text the lines are the file's lines. A reader of another format
    (HTML, .docx, PDF) *renders* the document into lines in reading order — a
    paragraph per line, each table cell's lines after a tab as a flattened table
    has them — and says, in ``blocks``, which lines are paragraphs and which
    are the cells of which table, and, in ``locators``, where each line sits in
    the original (one per line). Line numbers stay the provenance of every
    record; the locators say where that is on the page.
    """

    path: str
    name: str
    encoding: str
    sha256: str
    lines: tuple[str, ...]
    #: What a sidecar file (``NAME.src.json`` / ``NAME.meta.json``) says of the document:
    #: ``title``, ``issuer``, ``date``, ``doc_number`` — used only where the text is silent.
    #: A published file's own metadata (a portal's 发文机关/成文日期 table, Word's core
    #: properties) is read into the same keys.
    metadata: tuple[tuple[str, str], ...] = ()
    #: The format as read (``text``, ``html``, ``docx``, ``pdf``) and the reader that read it.
    format: str = "text"
    reader: str = "text"
    #: Paragraphs and tables as the format marks them; empty for a plain text (the
    #: segmenter finds its tables in the lines).
    blocks: tuple[TextBlock | TableBlock, ...] = ()
    #: One :class:`Locator` per line, for formats other than plain text.
    locators: tuple[Locator, ...] = ()
    #: Pages of a paged format (PDF), else ``None``.
    pages: int | None = None
    #: Files a page links as attachments (附件下载): ``(name, href)``, not document text.
    attachments: tuple[tuple[str, str], ...] = ()
    #: What reading noticed and the build should say (a dropped page header, a converted .doc …).
    notes: tuple[str, ...] = ()

    def line(self, number: int) -> str:
        return self.lines[number - 1]

    def locator(self, number: int) -> Locator | None:
        """Where line ``number`` sits in the original; ``None`` for a plain text."""
        return self.locators[number - 1] if self.locators else None


# ---------------------------------------------------------------- segment


@dataclass(frozen=True)
class Block:
    """A run of running text outside the table: heading, paragraph, signature …

    ``kind`` names the structural role (see ``segment.BLOCK_KINDS``).
    """

    kind: str
    text: str
    span: LineSpan


@dataclass(frozen=True)
class Cell:
    """One table cell: the text after its leading tab, over one or more lines.

    ``lines`` keeps each physical line with its number so that items inside the
    cell can point at their own lines.
    """

    lines: tuple[tuple[int, str], ...]

    @property
    def text(self) -> str:
        return "\n".join(t for _, t in self.lines).strip()

    @property
    def span(self) -> LineSpan:
        return LineSpan(self.lines[0][0], self.lines[-1][0])

    @property
    def is_empty(self) -> bool:
        return not self.text.strip()


@dataclass(frozen=True)
class TableRow:
    """One physical row as flattened in the text (a page split makes two).

    ``cells`` is aligned with the table header; a leading cell that the
    flattening lost is ``None`` (an empty cell that was there is an empty Cell).
    """

    cells: tuple[Cell | None, ...]

    @property
    def span(self) -> LineSpan:
        present = [c for c in self.cells if c is not None]
        return LineSpan(min(c.span.start for c in present), max(c.span.end for c in present))


@dataclass(frozen=True)
class Table:
    """A task table: its header, each column's role, its rows, and the layout
    profile (``lexicon/layouts.toml``) that says how to read it."""

    header: tuple[str, ...]
    roles: tuple[str, ...]
    header_span: LineSpan
    rows: tuple[TableRow, ...]
    profile: str = "task_list"

    def column(self, role: str) -> int | None:
        return self.roles.index(role) if role in self.roles else None


@dataclass(frozen=True)
class Layout:
    """The document's structure: running-text blocks, then tables.

    ``notes`` are lines the segmenter read as layout, not data: a section row
    inside a table read from its grid (「一、优化营商环境」 across the table), a
    header row typed again further down.
    """

    source: SourceText
    blocks: tuple[Block, ...]
    tables: tuple[Table, ...]
    warnings: tuple[LayoutNote, ...] = ()
    notes: tuple[LayoutNote, ...] = ()


# ---------------------------------------------------------------- extract


@dataclass(frozen=True)
class Quantity:
    """A stated level to reach: ``达到70%以上`` → 70, ``%``, ``>=``."""

    value: Decimal
    value_text: str
    unit: str
    comparator: str  # one of ">=", "<=", "~", "="
    year: int | None
    surface: str
    start: int
    end: int


@dataclass(frozen=True)
class DocumentReference:
    """A document named in 《…》, with its 文号 when one follows it.

    ``relation`` says what the sentence does with it: ``cites`` (根据/落实 …),
    ``produces`` (制定/出台 … a document still to be written) or ``mentions``.
    """

    title: str
    number: str | None
    relation: str
    span: LineSpan


@dataclass(frozen=True)
class Assignment:
    """Who carries a record: lead unit(s), co-units, and jointly responsible units.

    Names are kept as written (without the ``*`` mark, without a trailing 「等」).
    ``joint`` holds units listed with no lead stated (（X、Y负责）, two or more
    under （责任单位：…） without a first-is-lead rule) and catch-alls such as
    各有关部门 whatever slot they stand in. ``reader`` names the note grammar
    that produced it (see ``readers``); ``deadline`` is a time the note itself
    states (（6月底完成，牵头考核单位：…）), as written.
    """

    lead: tuple[str, ...]
    co: tuple[str, ...]
    joint: tuple[str, ...]
    reader: str
    text: str
    deadline: str | None = None

    @property
    def all_units(self) -> tuple[str, ...]:
        return self.lead + self.co + self.joint

    @property
    def roles(self) -> tuple[tuple[str, str], ...]:
        """``(role, name)`` in the order lead, co, joint."""
        return (tuple(("lead", u) for u in self.lead) + tuple(("co", u) for u in self.co)
                + tuple(("joint", u) for u in self.joint))


@dataclass(frozen=True)
class Deadline:
    """A record's time limit as written, with its kind and, where one can be told, its due date.

    ``到2023年`` → 2023-12-31; ``6月底完成`` in a 2022 document → 2022-06-30;
    ``2023-2027年`` → from 2023-01-01 (``start``) to 2027-12-31; ``持续推进`` → kind
    ``ongoing``; a garbled ``0403年底前`` → kind ``unreadable``, ``end`` is ``None`` (text
    kept, ``problem`` says why). ``rule`` names how the date was told (an id of
    ``lexicon/deadlines.toml``'s rules; :mod:`policykg.ingest.extract.due_dates`).
    """

    text: str
    end: date | None = None
    kind: str = "dated"
    start: date | None = None
    rule: str = ""
    problem: str | None = None


@dataclass(frozen=True)
class Item:
    """One numbered (or lone) entry of a 全市目标 or 落实举措 cell.

    ``text`` is the entry without its number, re-joined across a page split;
    ``source_text`` is what the document shows, number and line breaks included.
    """

    ordinal: int
    label: str | None
    text: str
    source_text: str
    spans: tuple[LineSpan, ...]
    quantities: tuple[Quantity, ...] = ()
    references: tuple[DocumentReference, ...] = ()
    due_year: int | None = None


@dataclass(frozen=True)
class Leadership:
    """The 分管领导 (leader in charge) and 联络员 (liaison) of a task."""

    leader: str
    liaison: str | None
    leader_written: str
    liaison_written: str | None
    span: LineSpan


@dataclass(frozen=True)
class KeyTask:
    """A 重点工作 row of the task list, merged over page splits."""

    number: int
    numeral: str
    title: str
    pillar: int
    pillar_written: bool
    serial: str | None
    targets: tuple[Item, ...]
    measures: tuple[Item, ...]
    phase_text: str
    assignment: Assignment
    leadership: Leadership
    spans: tuple[LineSpan, ...]
    #: the phase cell read as a deadline (``2023-2027年`` → due 2027-12-31, from 2023-01-01)
    deadline: Deadline | None = None


@dataclass(frozen=True)
class Pillar:
    """One of the 总体任务 (five in the 乐清 document)."""

    number: int
    name: str
    spans: tuple[LineSpan, ...]


@dataclass(frozen=True)
class NarrativeMeasure:
    """A sentence group of 二、主要举措 closed by （责任单位：…）."""

    pillar: int
    ordinal: int
    text: str
    assignment: Assignment
    span: LineSpan
    references: tuple[DocumentReference, ...] = ()
    deadline: Deadline | None = None


@dataclass(frozen=True)
class Goal:
    """An overall goal of the document (a paragraph of its 主要目标 section, or one of 一、总体要求 opening
    with a year), due in one year where it says which."""

    ordinal: int
    year: int | None
    text: str
    span: LineSpan
    quantities: tuple[Quantity, ...] = ()


@dataclass(frozen=True)
class Section:
    """A numbered top-level section of the document body (一、总体要求 …)."""

    number: int
    title: str
    span: LineSpan
    ordinal: int = 0


@dataclass(frozen=True)
class Provision:
    """A paragraph of a section without tasks (e.g. 三、组织保障 （一）…)."""

    section: str
    ordinal: int
    title: str
    text: str
    span: LineSpan
    references: tuple[DocumentReference, ...] = ()


@dataclass(frozen=True)
class DocumentHeader:
    """What the document says about itself. Real documents omit parts of it:
    a State Council opinion has no 通知, an export may have no title line, no
    issuer or no date — those fields are then ``None`` (the title falls back to
    the file name, flagged by ``title_from_file``) and the build warns."""

    issuer: str | None
    notice_title: str
    title: str
    issued: date | None
    recipients: str
    approval: str | None
    publicity: str | None
    attachment_title: str | None
    implements: tuple[DocumentReference, ...]
    spans: dict[str, LineSpan] = field(default_factory=dict, compare=False, hash=False)
    doc_number: str | None = None
    title_from_file: bool = False
    #: Fields the text does not state, taken from the collection's sidecar file.
    from_sidecar: tuple[str, ...] = ()


@dataclass(frozen=True)
class LayoutNote:
    """A line that carries no data of its own, and why (repeated header, …)."""

    line: int
    reason: str


@dataclass(frozen=True)
class Record:
    """One responsibility record: the sentences since the previous note and the
    note that closes them (or a numbered measure that carries no note).

    ``key`` is the record's place in the document (1, 2, …), made once here; its
    IRI, page ids and report lines all derive from it. ``label`` is the
    numbering as written (``1．``, ``（三）``, ``1``), ``text`` the record verbatim
    (label and note included), ``heading`` the nearest heading above it.
    """

    key: int
    label: str | None
    text: str
    span: LineSpan
    assignment: Assignment | None
    deadline: Deadline | None
    heading: str | None = None
    quantities: tuple[Quantity, ...] = ()
    references: tuple[DocumentReference, ...] = ()


@dataclass(frozen=True)
class TaskList:
    """What the ``task_list`` layout profile (``lexicon/layouts.toml``, reader ``key_tasks``)
    adds to a document: a 任务清单 of key tasks under numbered pillars (总体任务), and the
    body's measures filed under the same pillars.

    Only documents of that layout have one (乐清's 若干举措 shaped it); every other
    document says what it assigns through the generic :class:`Record`. The parts belong
    together because they refer to each other: a task and a narrative measure name
    their pillar by number, and measures are linked to tasks.
    """

    pillars: tuple[Pillar, ...] = ()
    tasks: tuple[KeyTask, ...] = ()
    narrative: tuple[NarrativeMeasure, ...] = ()


@dataclass(frozen=True)
class Extraction:
    """Everything read from one document.

    The fields every document has come first; ``task_list`` is the part one layout
    profile adds, ``None`` where the document has no key-task table and no pillared
    measures (a consumer that iterates it reads ``extraction.task_list or TaskList()``).
    """

    source: SourceText
    header: DocumentHeader
    sections: tuple[Section, ...]
    goals: tuple[Goal, ...]
    provisions: tuple[Provision, ...]
    records: tuple[Record, ...]
    layout_notes: tuple[LayoutNote, ...]
    mapped_spans: tuple[LineSpan, ...]
    warnings: tuple[LayoutNote, ...] = ()
    task_list: TaskList | None = None


# ---------------------------------------------------------------- normalise / link


@dataclass(frozen=True)
class Unit:
    """An organisation with one identity across the document."""

    key: str
    label: str
    full_name: str | None
    english: str | None
    unit_type: str
    aliases: tuple[str, ...] = ()
    in_lexicon: bool = False


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    written: tuple[str, ...]


@dataclass(frozen=True)
class Phase:
    """An implementation phase: ``2023-2027年`` or open-ended ``长期实施``."""

    text: str
    start_year: int | None
    end_year: int | None

    @property
    def ongoing(self) -> bool:
        return self.end_year is None


@dataclass(frozen=True)
class MeasureLink:
    """A narrative measure carried out by an attachment task, and how strongly.

    ``asserted`` links are stated as fact (``pkg:carriedOutBy``); the others are
    kept as scored candidates for an analyst to judge.
    """

    narrative: tuple[int, int]
    task: int
    score: float
    shared_terms: tuple[str, ...]
    asserted: bool = True


@dataclass(frozen=True)
class LinkedDocument:
    extraction: Extraction
    units: dict[str, Unit]
    persons: dict[str, Person]
    phases: dict[str, Phase]
    topics: dict[str, tuple[str, ...]]
    links: tuple[MeasureLink, ...]
    unmapped: tuple[LayoutNote, ...]
    mentions: dict[str, tuple[str, ...]] = field(default_factory=dict)
