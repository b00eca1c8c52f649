"""Responsibility notes: find them in a paragraph, and read who leads, co-operates, or shares.

Real documents close a measure with a parenthetical note naming the units that
carry it, in one of a handful of grammars::

    （责任单位：省经济和信息化厅、省财政厅，各市人民政府）        responsible_list
    （牵头单位：省商务厅，参加单位：省市场监管局）                  lead_co_labels
    （牵头单位：省工业和信息化厅；责任单位：省发展改革委）          lead_co_labels (责任单位 = co)
    （5月底完成，牵头考核单位：市审批服务局）                       assessment (deadline kept)
    （省商务厅牵头，合肥海关、省贸促会按职责分工配合）              lead_co
    （人力资源社会保障部、财政部负责。列第一位者为牵头单位，下同）  responsible + first-is-lead rule

Each grammar is a registered reader (:data:`GRAMMARS`) with a ``detect``
predicate, tried in order — the first that detects the note reads it. The
words (labels, verbs, modifiers, the first-is-lead rule, separators, time
words) and the grammars' detection patterns and label roles live in
``lexicon/note_grammar.toml``; how names are recognised lives in
``lexicon/unit_suffixes.tsv`` (see :mod:`.unit_names`). All grammars share one
reading procedure:

1. split the note at its labels (``牵头单位：`` …), each label giving a role;
2. split each part at its clause-closing verbs (``…牵头``, ``…按职责分工配合``,
   ``…负责``), each verb giving a role to the units before it;
3. split each clause into names (、，；, spaces, 及; 「X等有关部门」 → X, 有关部门;
   a trailing 等 dropped; 「济南、青岛、烟台市政府」 kept as one name), and set
   aside fragments that state a time (the note's deadline);
4. give roles: 牵头 → lead, 配合/参加 → co, 责任单位 after a 牵头单位 → co,
   …负责 after a 牵头 → joint; catch-alls (各…, 有关…, 相关…) → joint in any
   slot; units with no stated role → the first-is-lead rule if in force (first
   lead, rest co), else a lone unit leads and two or more are joint.

Everything is linear in the input: notes are capped at ``max_note_chars``,
names at :data:`.unit_names.MAX_NAME`.

>>> a, rule = read_note("（省商务厅牵头，合肥海关、省贸促会按职责分工配合）")
>>> a.lead, a.co, a.joint, a.reader
(('省商务厅',), ('合肥海关', '省贸促会'), (), 'lead_co')
>>> a, rule = read_note("（人力资源社会保障部、财政部负责。列第一位者为牵头单位，下同）")
>>> a.lead, a.co, rule.first_is_lead
(('人力资源社会保障部',), ('财政部',), True)

Finding the notes in a paragraph is :func:`.note_finder.find_notes`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from policykg.model import Assignment
from policykg.ingest.readers.note_words import alternation, normalise, note_grammar
from policykg.ingest.readers.unit_names import (
    COLLECTIVE,
    MAX_NAME,
    is_catch_all,
    is_collective,
    is_level_word,
    looks_like_unit,
    suffix_type,
    unit_type_of,
)

# ---------------------------------------------------------------- public types


@dataclass(frozen=True)
class Note:
    """A responsibility note: ``text[start:end]`` of the paragraph, brackets included."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class NoteRule:
    """A rule stated once and in force for later notes (「列第一位者为牵头单位，下同」)."""

    first_is_lead: bool = False


@dataclass(frozen=True)
class Grammar:
    """One way of writing a note: its name, when it applies, and its label roles."""

    name: str
    detect: Callable[[str], bool]
    label_roles: dict[str, str] = field(default_factory=dict)
    doc: str = ""
    #: True for grammars whose notes must name units and nothing else (verb forms);
    #: labelled grammars accept prose beside their labels.
    strict: bool = True
    #: False for the catch-all grammar of bare lists: never a note on its own.
    is_note: bool = True


#: Registered grammars, in the order they are tried.
GRAMMARS: dict[str, Grammar] = {}


def register_grammar(grammar: Grammar, *, before: str | None = None) -> Grammar:
    """Add a grammar (tried before ``before`` if given, else before the bare-list grammar).

    The grammars of ``lexicon/note_grammar.toml`` are loaded first, so a grammar
    registered in code is tried before the bare-list catch-all.
    """
    config()
    return _add_grammar(grammar, before=before)


def grammars() -> dict[str, Grammar]:
    """The registered grammars, in the order they are tried (loading the data file once).

    >>> list(grammars())[:2], list(grammars())[-1]
    (['assessment', 'lead_co_labels'], 'unit_list')
    """
    config()
    return GRAMMARS


def _add_grammar(grammar: Grammar, *, before: str | None = None) -> Grammar:
    anchor = before if before in GRAMMARS else ("unit_list" if "unit_list" in GRAMMARS else None)
    items = [(k, v) for k, v in GRAMMARS.items() if k != grammar.name]
    if anchor is not None and anchor != grammar.name:
        i = [k for k, _ in items].index(anchor)
        items.insert(i, (grammar.name, grammar))
    else:
        items.append((grammar.name, grammar))
    GRAMMARS.clear()
    GRAMMARS.update(items)
    return grammar


_BARE = Grammar(name="unit_list", detect=lambda body: True, is_note=False)

# ---------------------------------------------------------------- configuration


@dataclass(frozen=True)
class _Config:
    label_re: re.Pattern[str]
    default_roles: dict[str, str]
    verb_re: re.Pattern[str]
    verb_roles: dict[str, str]
    rule_re: re.Pattern[str]
    carry_re: re.Pattern[str]
    separators: frozenset[str]
    conjunctions: tuple[str, ...]
    conjunction_chars: frozenset[str]
    etc_split_before: tuple[str, ...]
    etc_tails: tuple[str, ...]
    strip_leading: tuple[str, ...]
    lead_marks: str
    time_re: re.Pattern[str]
    max_note: int
    keyword_re: re.Pattern[str]
    join_max: int
    join_into: frozenset[str]
    mark_re: re.Pattern[str]


@lru_cache(maxsize=1)
def config() -> _Config:
    """``lexicon/note_grammar.toml``, compiled once; registers its grammars."""
    data = note_grammar()
    words = data["words"]
    verbs: dict[str, str] = words["verbs"]
    cfg = _Config(
        label_re=re.compile(rf"(?P<label>{alternation(words['labels'])})[ \t\u3000]*："),
        default_roles=dict(words["default_label_roles"]),
        verb_re=_verb_re(words["verb_modifiers"], verbs),
        verb_roles=dict(verbs),
        rule_re=re.compile("|".join(f"(?:{p})" for p in words["first_is_lead"])),
        carry_re=re.compile(alternation(words["carry_over"])),
        separators=frozenset(words["separators"]),
        conjunctions=tuple(sorted(words["conjunctions"], key=len, reverse=True)),
        conjunction_chars=frozenset(w[0] for w in words["conjunctions"]),
        etc_split_before=tuple(words["etc_split_before"]),
        etc_tails=tuple(sorted(words["etc_tails"], key=len, reverse=True)),
        strip_leading=tuple(words["strip_leading"]),
        lead_marks=words["lead_marks"],
        time_re=re.compile(words["time_fragment"]),
        max_note=int(words["max_note_chars"]),
        keyword_re=re.compile("|".join(
            [alternation(words["labels"]), alternation(verbs)]
            + [f"(?:{p})" for p in words["first_is_lead"]])),
        join_max=int(words["join_max_chars"]),
        join_into=frozenset(words["join_into_types"]),
        mark_re=re.compile(rf"(?<=[^\s（(，,、；;：:])[（(](?P<word>{alternation(words['role_marks'])})[）)]"),
    )
    for entry in data["grammar"]:
        pattern = re.compile(entry["detect"])
        roles = {**cfg.default_roles, **entry.get("label_roles", {})}
        labelled = "：" in entry["detect"]
        _add_grammar(Grammar(
            name=entry["name"], detect=lambda body, p=pattern: p.search(body) is not None,
            label_roles=roles, doc=entry.get("doc", ""), strict=not labelled,
            is_note=entry["name"] != "unit_list"), before=None)
    return cfg


def _verb_re(modifiers: list[str], verbs: dict[str, str]) -> re.Pattern[str]:
    """The verbs that close a clause, where the clause ends: modifiers before the verb may
    repeat (「按职责分工具体负责」) and verbs after it are part of it (「牵头负责推进」 leads), so
    that nothing after a unit list is left to be read as part of a name (「各市政府分工」).

    >>> m = _verb_re(["分工", "具体"], {"牵头": "lead", "负责": "joint_verb", "推进": "joint_verb"})
    >>> [x.group("verb") for x in m.finditer("各区、市政府分工负责，市发改委牵头负责推进")]
    ['负责', '牵头']
    """
    mods, verb = alternation(modifiers), alternation(verbs)
    return re.compile(rf"(?:{mods})*(?P<verb>{verb})(?:(?:{mods})*(?:{verb}))*(?=[，；。、\s）]|$)")


# ---------------------------------------------------------------- splitting names

_OPEN = "（《“「『〈【"
_CLOSE = "）》”」』〉】"
_PAIR = dict(zip(_CLOSE, _OPEN, strict=True))


@dataclass
class _Fragment:
    start: int
    end: int
    kind: str  # "unit" | "time" | "junk"
    starred: bool = False


def _pieces(norm: str, start: int, end: int, cfg: _Config) -> list[tuple[int, int]]:
    """Spans of ``norm[start:end]`` between separators outside brackets and quotes."""
    spans: list[tuple[int, int]] = []
    depth = 0
    piece = start
    i = start
    while i < end:
        c = norm[i]
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE and depth:
            depth -= 1
        elif depth == 0:
            if c in cfg.separators:
                spans.append((piece, i))
                piece = i + 1
            elif c in cfg.conjunction_chars:
                conj = next((w for w in cfg.conjunctions if norm.startswith(w, i)), None)
                if conj and i > piece and looks_like_unit(norm[piece:i]):
                    spans.append((piece, i))
                    piece = i + len(conj)
                    i = piece
                    continue
        i += 1
    spans.append((piece, end))
    return spans


def _trim(norm: str, a: int, b: int, cfg: _Config) -> list[tuple[int, int, bool]]:
    """One piece → names: leading words, lead mark and trailing 等 removed; 「X等有关…」 split."""
    while a < b and norm[a].isspace():
        a += 1
    while b > a and norm[b - 1].isspace():
        b -= 1
    starred = False
    while a < b and norm[a] in cfg.lead_marks:
        starred, a = True, a + 1
    for word in cfg.strip_leading:
        if norm.startswith(word, a) and looks_like_unit(norm[a + len(word):b]):
            a += len(word)
            break
    out: list[tuple[int, int, bool]] = []
    k = norm.find("等", a, b)
    while k != -1:
        if any(norm.startswith(w, k + 1) for w in cfg.etc_split_before) and k > a:
            out.append((a, k, starred))
            a, starred = k + 1, False
            k = norm.find("等", a, b)
            continue
        k = norm.find("等", k + 1, b)
    for tail in cfg.etc_tails:
        if b - a > len(tail) and norm.endswith(tail, a, b):
            b -= len(tail)
            break
    if a < b:
        out.append((a, b, starred))
    return out


def _fragments(norm: str, start: int, end: int, cfg: _Config) -> list[_Fragment]:
    """The names (and time phrases) of one clause, in order."""
    names: list[tuple[int, int, bool]] = []
    for a, b in _pieces(norm, start, end, cfg):
        names.extend(_trim(norm, a, b, cfg))
    out: list[_Fragment] = []
    pending: list[tuple[int, int, bool]] = []

    def flush() -> None:
        if len(pending) > 1 and is_catch_all(norm[pending[0][0]:pending[0][1]]) \
                and all(is_level_word(norm[a:b]) for a, b, _ in pending[1:]):
            out.append(_Fragment(pending[0][0], pending[-1][1], "unit", pending[0][2]))   # 各县、市、区
            pending.clear()
        for a, b, star in pending:
            out.append(_classify(norm, a, b, star, cfg))
        pending.clear()

    for a, b, star in names:
        text = norm[a:b]
        if b - a <= cfg.join_max and not star and _ends_without_type(text) and not cfg.time_re.search(text):
            pending.append((a, b, star))
            continue
        if pending and unit_type_of(text) in cfg.join_into:
            out.append(_Fragment(pending[0][0], b, "unit", pending[0][2]))
            pending.clear()
            continue
        flush()
        out.append(_classify(norm, a, b, star, cfg))
    flush()
    return out


def _ends_without_type(text: str) -> bool:
    """A short piece with no ending of its own (济南, 各区): may belong to the next name."""
    return suffix_type(text) is None and unit_type_of(text) in (None, COLLECTIVE)


def _classify(norm: str, a: int, b: int, starred: bool, cfg: _Config) -> _Fragment:
    text = norm[a:b]
    if looks_like_unit(text):
        return _Fragment(a, b, "unit", starred)
    if b - a <= MAX_NAME and cfg.time_re.search(text):
        return _Fragment(a, b, "time")
    return _Fragment(a, b, "junk")


# ---------------------------------------------------------------- reading one note


@dataclass(frozen=True)
class _Reading:
    grammar: Grammar
    lead: tuple[str, ...]
    co: tuple[str, ...]
    joint: tuple[str, ...]
    deadline: str | None
    units: int
    junk: int
    rule_stated: bool
    carry: bool
    labelled: bool


def _body(norm: str) -> tuple[int, int]:
    a, b = 0, len(norm)
    while a < b and norm[a].isspace():
        a += 1
    while b > a and norm[b - 1].isspace():
        b -= 1
    if b - a >= 2 and norm[a] == "（" and norm[b - 1] == "）":
        return a + 1, b - 1
    return a, b


@lru_cache(maxsize=8192)
def _read(text: str, rule: NoteRule) -> _Reading:
    """The four steps of the module docstring over one note (cached: notes repeat)."""
    cfg = config()
    text = cfg.mark_re.sub(r"\g<word>", text[: cfg.max_note * 4])       # 「X（牵头）」 → 「X牵头」
    norm = normalise(text)
    b0, b1 = _body(norm)
    norm, stated, carry = _mask_rule(norm, b0, b1, cfg)
    grammar = next((g for g in GRAMMARS.values() if g.detect(norm[b0:b1])), _BARE)
    segments, labelled = _labelled_segments(norm, b0, b1, grammar, cfg)
    slots, deadline_spans = _slots(norm, segments, cfg)
    units = [(r, f) for r, f in slots if f.kind == "unit"]
    lead, co, joint = _roles(text, units, rule.first_is_lead or stated)
    deadline = None
    if deadline_spans:
        a = min(s for s, _ in deadline_spans)
        b = max(e for _, e in deadline_spans)
        deadline = text[a:b].strip(" \t\u3000，,；;。：:") or None
    return _Reading(grammar, lead, co, joint, deadline, len(units),
                    sum(1 for _, f in slots if f.kind == "junk"), stated, carry, labelled)


def _mask_rule(norm: str, b0: int, b1: int, cfg: _Config) -> tuple[str, bool, bool]:
    """Blank out a stated first-is-lead rule (and its 下同) so its words are not read as
    names: the text, whether the rule is stated, whether it carries to later notes."""
    masks = [(m.start(), m.end()) for m in cfg.rule_re.finditer(norm, b0, b1)]
    if not masks:
        return norm, False, False
    carried = [(m.start(), m.end()) for m in cfg.carry_re.finditer(norm, b0, b1)]
    chars = list(norm)
    for a, b in masks + carried:
        chars[a:b] = "，" * (b - a)
    return "".join(chars), True, bool(carried)


def _labelled_segments(norm: str, b0: int, b1: int, grammar: Grammar,
                       cfg: _Config) -> tuple[list[tuple[str | None, int, int]], bool]:
    """Step 1: the body split at its labels, each part with the role its label gives."""
    segments: list[tuple[str | None, int, int]] = []
    pos, role = b0, None
    labelled = False
    for m in cfg.label_re.finditer(norm, b0, b1):
        segments.append((role, pos, m.start()))
        role = grammar.label_roles.get(m.group("label"), cfg.default_roles.get(m.group("label")))
        pos, labelled = m.end(), True
    segments.append((role, pos, b1))
    return segments, labelled


def _slots(norm: str, segments, cfg: _Config) -> tuple[list[tuple[str | None, _Fragment]], list[tuple[int, int]]]:
    """Steps 2 and 3: each part split at its verbs and into names; time phrases set aside."""
    slots: list[tuple[str | None, _Fragment]] = []
    deadline_spans: list[tuple[int, int]] = []
    for role, s, e in segments:
        if s >= e:
            continue
        if role == "deadline":
            deadline_spans.append((s, e))
            continue
        clauses: list[tuple[str | None, int, int]] = []
        p = s
        for m in cfg.verb_re.finditer(norm, s, e):
            if _in_time_phrase(norm, p, m, cfg):
                continue
            clauses.append((cfg.verb_roles[m.group("verb")], p, m.start()))
            p = m.end()
        clauses.append((role, p, e))
        for clause_role, cs, ce in clauses:
            for frag in _fragments(norm, cs, ce, cfg):
                if frag.kind == "time":
                    deadline_spans.append((frag.start, frag.end))
                else:
                    slots.append(("lead" if frag.starred else clause_role, frag))
    return slots, deadline_spans


def _in_time_phrase(norm: str, start: int, verb: re.Match[str], cfg: _Config) -> bool:
    """A verb that ends a time phrase, not a unit list: 「5月底取得明显成效并持续推进」."""
    a = verb.start()
    while a > start and norm[a - 1] not in cfg.separators:
        a -= 1
    before = norm[a:verb.start()]
    return bool(before) and not looks_like_unit(before) and cfg.time_re.search(norm[a:verb.end()]) is not None


def _roles(text: str, units: list[tuple[str | None, _Fragment]],
           first_is_lead: bool) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Step 4: lead, co and joint units, each in the order written."""
    explicit_lead = any(r == "lead" for r, _ in units)
    lead: list[str] = []
    co: list[str] = []
    joint: list[str] = []
    unassigned: list[str] = []
    for r, f in units:
        name = text[f.start:f.end]
        if is_catch_all(name):
            joint.append(name)
        elif r == "lead":
            lead.append(name)
        elif r == "co":
            co.append(name)
        elif r == "joint_verb" and explicit_lead:
            joint.append(name)
        elif r in ("joint_label", None) and explicit_lead:
            co.append(name)
        else:
            unassigned.append(name)
    if unassigned:
        named = [u for u in unassigned if not is_collective(u)]
        if first_is_lead:
            if named:
                lead.append(named[0])
                co.extend(named[1:])
            joint.extend(u for u in unassigned if is_collective(u))
        elif len(unassigned) == 1 and named and not joint and not co:
            lead.append(named[0])
        else:
            joint.extend(unassigned)
    order = {text[f.start:f.end]: f.start for _, f in units}
    return tuple(sorted(lead, key=order.__getitem__)), tuple(sorted(co, key=order.__getitem__)), \
        tuple(sorted(joint, key=order.__getitem__))


def read_note(text: str, rule: NoteRule = NoteRule()) -> tuple[Assignment, NoteRule]:
    """Who carries the record a note closes, and the rule in force for later notes.

    ``text`` is one note as :func:`find_notes` returns it (brackets optional: a
    table cell such as ``*市财政局、市发改局`` reads too). A note that states
    the first-is-lead rule applies it to itself; with 「下同」 the returned rule
    carries it on.

    >>> a, _ = read_note("（6月底完成，牵头考核单位：市政府办公室、市公安局）")
    >>> a.lead, a.deadline, a.reader
    (('市政府办公室', '市公安局'), '6月底完成', 'assessment')
    >>> a, _ = read_note("（牵头单位：省工业和信息化厅；责任单位：省发展改革委、省科技厅）")
    >>> a.lead, a.co
    (('省工业和信息化厅',), ('省发展改革委', '省科技厅'))
    >>> read_note("（财政部、人民银行负责）", NoteRule(first_is_lead=True))[0].lead
    ('财政部',)
    """
    r = _read(text, rule)
    assignment = Assignment(lead=r.lead, co=r.co, joint=r.joint,
                            reader=r.grammar.name, text=text, deadline=r.deadline)
    return assignment, (NoteRule(first_is_lead=True) if r.rule_stated and r.carry else rule)


def units_only(text: str) -> int:
    """How many units ``text`` names when it is a list of units and nothing else (no prose, no
    time limit), else 0: what a units cell of a table holds; a table flattened to text is
    shared out into cells by it (:mod:`policykg.ingest.flat_cells`).

    >>> units_only("省知识产权局、省地方金融监管局、人民银行合肥中心支行"), units_only("市发改委牵头，各区政府配合")
    (3, 2)
    >>> units_only("2024年底前"), units_only("推行企业开办全程网上办理"), units_only("全省"), units_only("合肥海关全省")
    (0, 0, 0, 0)
    """
    r = _read(text, NoteRule())
    return r.units if r.junk == 0 and r.deadline is None else 0


def states_rule(text: str) -> NoteRule | None:
    """The rule a sentence states for the notes after it (「…列第一位的为牵头单位，下同」), if any.

    For rules written in running text rather than in a note.

    >>> states_rule("以下各项任务，排在第一位的部门为牵头部门。")
    NoteRule(first_is_lead=True)
    """
    cfg = config()
    return NoteRule(first_is_lead=True) if cfg.rule_re.search(normalise(text)) else None


@lru_cache(maxsize=8192)
def is_note(text: str) -> bool:
    """True when a parenthetical's body parses as a responsibility note (or states the rule).

    >>> is_note("（包府办发〔2022〕10号）"), is_note("（含技工院校）"), is_note("（省外办负责）")
    (False, False, True)
    """
    cfg = config()
    norm = normalise(text)
    b0, b1 = _body(norm)
    if not cfg.keyword_re.search(norm, b0, b1):
        return False
    r = _read(text, NoteRule())
    if r.rule_stated:
        return True
    if not r.grammar.is_note or r.units == 0:
        return False
    return r.labelled or (r.junk == 0)
