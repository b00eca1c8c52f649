"""The body before the attachment: sections, goals, narrative measures, provisions.

* A section or sub-section headed 主要目标, 发展目标, 工作目标 or 总体目标 (a *goal
  section*) states the document's goals: each of its paragraphs is one (济南's
  （二）主要目标。到2025年，… and the three ——… paragraphs under it; 安徽's
  （二）发展目标 and its --… bullets), due in the first year it names (到2023年),
  else in the year the goal before it in the section named — a bullet list under
  到2023年，… is due then, and so are its quantities that name no year.
* Elsewhere, a paragraph that opens with a year (``2023年，`` ``到2025年，``) states
  the overall goals due that year (乐清's 一、总体要求); a bare date
  (``2018年11月16日``, a signature's) does not.
* A numbered sub-paragraph holding （责任单位：…） clauses is a pillar's list of
  narrative measures: each measure runs up to its own clause.
* Any other numbered sub-paragraph or paragraph is a provision, kept whole.
"""

from __future__ import annotations

import re
from dataclasses import replace

from policykg.model import Block, Goal, NarrativeMeasure, Pillar, Provision, Section
from policykg.ingest.numerals import chinese_to_int
from policykg.ingest.readers.notes import read_note
from policykg.ingest.extract.quantities import due_year, find_quantities
from policykg.ingest.extract.references import find_references

_SECTION = re.compile(r"^(?P<numeral>[一二三四五六七八九十]+)、\s*(?P<title>.+)$")
_SUBSECTION = re.compile(r"^（(?P<numeral>[一二三四五六七八九十]+)）(?P<title>[^。]*)。?(?P<body>.*)$", re.S)
_GOAL = re.compile(r"^(到|力争到)?(?P<year>\d{4})年")
_BARE_DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
#: The titles of a goal section, as written without the numbering and the full stop.
GOAL_HEADINGS = frozenset({"主要目标", "发展目标", "工作目标", "总体目标"})
#: A closing clause that assigns units: （责任单位：…） or （X牵头，Y配合）.
_RESPONSIBILITY = re.compile(r"[（(](?:(?:责任单位|牵头单位|责任部门)[:：][^（）()]*|[^（）()]{2,}?牵头[^（）()]*)[）)]")
_PILLAR_LIST = re.compile(r"“(?P<names>[^”]+)”[一二两三四五六七八九十]+个方面")


def declares_pillars(blocks: list[Block]) -> bool:
    """Does the body name its pillars (“A、B、C”五个方面), as a 举措 with a task list does?"""
    return any(_PILLAR_LIST.search(b.text) for b in blocks)


def is_narrative_block(block: Block) -> bool:
    """A pillar's paragraph of measures: （一）title。A…（责任单位：…）。B…"""
    return block.kind == "subsection" and _RESPONSIBILITY.search(block.text) is not None


def extract_body(blocks: list[Block], title: str, skip: frozenset[int] = frozenset(),
                 pillared: bool = True) -> dict:
    """Sections, goals, pillars (as the narrative names them), measures, provisions.

    Blocks whose first line is in ``skip`` were read as responsibility records;
    narrative measures are read only where the body names pillars (``pillared``).
    """
    sections: list[Section] = []
    goals: list[Goal] = []
    pillars: list[Pillar] = []
    narrative: list[NarrativeMeasure] = []
    provisions: list[Provision] = []
    current: Section | None = None
    in_goals: str | None = None              # the kind of block that opened the goal section now read
    year: int | None = None                  # the year the last goal of that section is due
    for block in blocks:
        if block.kind == "attachment":
            break
        if block.span.start in skip:
            continue
        if block.kind == "section":
            match = _SECTION.match(block.text)
            current = Section(chinese_to_int(match.group("numeral")), match.group("title").strip(), block.span,
                              ordinal=len(sections) + 1)
            sections.append(current)
            in_goals, year = ("section" if is_goal_heading(current.title) else None), None
            continue
        if current is None:
            continue
        if block.kind == "subsection" and in_goals == "subsection":
            in_goals = None                          # the next sub-section ends a sub-section of goals
        if pillared and is_narrative_block(block):
            narrative.extend(narrative_measures(block, title))
        elif block.kind == "subsection" and in_goals is None and \
                is_goal_heading((sub := _SUBSECTION.match(block.text)).group("title")):
            in_goals, year = "subsection", None
            if body := sub.group("body").strip():
                goals.append(_goal(len(goals) + 1, body, block, year))
                year = goals[-1].year
        elif in_goals is not None:
            goals.append(_goal(len(goals) + 1, block.text, block, year))
            year = goals[-1].year
        elif block.kind == "subsection":
            provisions.append(_provision(block, current, title))
        elif (goal := _GOAL.match(block.text)) is not None and not _BARE_DATE.match(block.text.strip()):
            goals.append(Goal(ordinal=len(goals) + 1, year=int(goal.group("year")), text=block.text,
                              span=block.span, quantities=find_quantities(block.text)))
        elif (listed := _PILLAR_LIST.search(block.text)) is not None:
            pillars.extend(Pillar(i, name.strip(), (block.span,))
                           for i, name in enumerate(listed.group("names").split("、"), start=1))
        else:
            provisions.append(Provision(section=current.title, ordinal=0, title="", text=block.text,
                                        span=block.span,
                                        references=find_references(block.text, block.span, exclude=title)))
    return {"sections": tuple(sections), "goals": tuple(goals), "pillars": tuple(pillars),
            "narrative": tuple(narrative), "provisions": tuple(provisions)}


def is_goal_heading(title: str) -> bool:
    """Does a section's title head the document's goals (``主要目标``, ``（二）发展目标。``)?

    >>> is_goal_heading("主要目标。"), is_goal_heading("发展目标"), is_goal_heading("目标任务分解")
    (True, True, False)
    """
    return title.strip().rstrip("。：:").strip() in GOAL_HEADINGS


def _goal(ordinal: int, text: str, block: Block, year: int | None) -> Goal:
    """A paragraph of a goal section: due in the first year it names, else in ``year`` (the goal
    before it in the section). Its quantities that name no year are due in the goal's year: a
    bullet under 到2023年，… is.
    """
    year = due_year(text) or year
    quantities = tuple(q if q.year is not None or year is None else replace(q, year=year)
                       for q in find_quantities(text))
    return Goal(ordinal=ordinal, year=year, text=text, span=block.span, quantities=quantities)


def narrative_measures(block: Block, title: str) -> list[NarrativeMeasure]:
    """Split ``（一）提信心增预期。A…（责任单位：X）。B…（责任单位：Y、Z）。`` into A and B.

    >>> from policykg.model import Block, LineSpan
    >>> ms = narrative_measures(Block("subsection", "（二）降门槛扩领域。甲事（责任单位：市发改局）。乙事（责任单位：市科技局）。", LineSpan(24, 24)), "")
    >>> [(m.pillar, m.text, m.assignment.lead, m.assignment.joint) for m in ms]
    [(2, '甲事', ('市发改局',), ()), (2, '乙事', ('市科技局',), ())]
    """
    match = _SUBSECTION.match(block.text)
    pillar = chinese_to_int(match.group("numeral"))
    body = match.group("body")
    measures: list[NarrativeMeasure] = []
    start = 0
    for clause in _RESPONSIBILITY.finditer(body):
        text = body[start:clause.start()].strip().lstrip("。；;").strip()
        measures.append(NarrativeMeasure(
            pillar=pillar, ordinal=len(measures) + 1, text=text,
            assignment=read_note(clause.group(0))[0], span=block.span,
            references=find_references(text, block.span, exclude=title)))
        start = clause.end()
    return measures


def _provision(block: Block, section: Section, title: str) -> Provision:
    match = _SUBSECTION.match(block.text)
    return Provision(section=section.title, ordinal=chinese_to_int(match.group("numeral")),
                     title=match.group("title").strip(), text=match.group("body").strip(),
                     span=block.span, references=find_references(block.text, block.span, exclude=title))
