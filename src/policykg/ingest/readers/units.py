"""The layout readers themselves (see the package docstring)."""

from __future__ import annotations

import re
from collections.abc import Callable

from policykg.model import Assignment

Reader = Callable[[str], Assignment]

READERS: dict[str, Reader] = {}

LEAD_MARKS = "*＊"
_SEPARATORS = re.compile(r"[、，,；;/\s]+")
_PARENTHETICAL = re.compile(r"^[（(]?\s*(责任单位|牵头单位|责任部门)[:：](?P<units>.*?)[）)]?$", re.S)
_LEAD_CO = re.compile(r"^[（(]?(?P<lead>[^（）()]+?)牵头[，,、；;]?(?P<co>[^（）()]*?)(配合|参与|协同)?[）)]?$", re.S)
FIRST_LISTED_NOTE = "列第一位的为牵头单位"
_LIST_PREFIX = re.compile(r"^[（(]?\s*(责任单位|牵头单位|责任部门)[:：]")


def register(name: str) -> Callable[[Reader], Reader]:
    def add(reader: Reader) -> Reader:
        READERS[name] = reader
        return reader
    return add


def split_units(text: str) -> list[str]:
    """Unit names in a list, as written (marks kept).

    >>> split_units("*市财政局、市发改局，市经信局")
    ['*市财政局', '市发改局', '市经信局']
    """
    return [u for u in _SEPARATORS.split(text.strip()) if u]


@register("star")
def read_star(text: str) -> Assignment:
    """``*`` marks the lead unit(s); a list without any mark and one unit: it leads.

    >>> read_star("*市财政局、市发改局").lead
    ('市财政局',)
    >>> read_star("市税务局").lead
    ('市税务局',)
    """
    names = split_units(text)
    lead = tuple(n.lstrip(LEAD_MARKS) for n in names if n[0] in LEAD_MARKS)
    others = tuple(n for n in names if n[0] not in LEAD_MARKS)
    if not lead and len(others) == 1:
        return Assignment(lead=others, co=(), joint=(), reader="star", text=text)
    if not lead:
        return Assignment(lead=(), co=(), joint=others, reader="star", text=text)
    return Assignment(lead=lead, co=others, joint=(), reader="star", text=text)


@register("parenthetical")
def read_parenthetical(text: str) -> Assignment:
    """（责任单位：A、B） names units without saying who leads.

    >>> read_parenthetical("（责任单位：市委统战部、市工商联）").joint
    ('市委统战部', '市工商联')
    """
    match = _PARENTHETICAL.match(text.strip())
    body = match.group("units") if match else text
    if FIRST_LISTED_NOTE in body:
        return read_first_listed(body)
    if match and match.group(1) == "牵头单位":
        return Assignment(lead=tuple(split_units(body)), co=(), joint=(),
                          reader="parenthetical", text=text)
    return Assignment(lead=(), co=(), joint=tuple(split_units(body)),
                      reader="parenthetical", text=text)


@register("lead_co")
def read_lead_co(text: str) -> Assignment:
    """（X牵头，Y、Z配合）.

    >>> a = read_lead_co("（市发改局牵头，市财政局、市经信局配合）")
    >>> a.lead, a.co
    (('市发改局',), ('市财政局', '市经信局'))
    """
    match = _LEAD_CO.match(text.strip())
    if not match:
        raise ValueError(f"not a 'X牵头，Y配合' list: {text!r}")
    return Assignment(lead=tuple(split_units(match.group("lead"))),
                      co=tuple(split_units(match.group("co") or "")),
                      joint=(), reader="lead_co", text=text)


@register("first_listed")
def read_first_listed(text: str) -> Assignment:
    """A list whose first unit leads (列第一位的为牵头单位).

    >>> read_first_listed("市商务局、市发改局，列第一位的为牵头单位").co
    ('市发改局',)
    """
    body = _LIST_PREFIX.sub("", text.replace(FIRST_LISTED_NOTE, "").strip())
    names = [n.strip("（）()：:") for n in split_units(body) if n.strip("（）()：:")]
    return Assignment(lead=tuple(names[:1]), co=tuple(names[1:]), joint=(),
                      reader="first_listed", text=text)


@register("note")
def read_any_note(text: str) -> Assignment:
    """Any note grammar of :mod:`.notes` (the rule of earlier notes is not known here).

    >>> read_any_note("（省商务厅牵头，省外办、省贸促会按职责分工配合）").co
    ('省外办', '省贸促会')
    """
    from policykg.ingest.readers.notes import read_note
    return read_note(text)[0]


def read_columns(lead_text: str, co_text: str) -> Assignment:
    """Separate 牵头单位 and 配合单位 columns."""
    return Assignment(lead=tuple(n.lstrip(LEAD_MARKS) for n in split_units(lead_text)),
                      co=tuple(split_units(co_text)), joint=(), reader="columns",
                      text=f"{lead_text}\n{co_text}")


def detect_reader(text: str) -> str:
    """Name of the reader that fits ``text`` best, by its tell-tale marks."""
    stripped = text.strip()
    if FIRST_LISTED_NOTE in stripped:
        return "first_listed"
    if "牵头" in stripped and not stripped.lstrip("（(").startswith(("责任单位", "牵头单位")):
        return "lead_co"
    if _PARENTHETICAL.match(stripped):
        return "parenthetical"
    return "star"


def read_assignment(text: str, reader: str | None = None) -> Assignment:
    """Read a unit list with the named reader, or the one :func:`detect_reader` picks."""
    name = reader or detect_reader(text)
    try:
        return READERS[name](text)
    except KeyError:
        raise ValueError(f"no layout reader named {name!r}; known: {sorted(READERS)}") from None
