"""Why a stored query answered nothing: one line an analyst can act on.

An empty table looks the same whether the question has no answer (nothing
falls due in 2024), the corpus cannot answer it (no document cites another) or
the question was mistyped (a unit no document names). ``policykg query`` prints
this reason on stderr under an empty table (exit 0). It comes from:

* **a unit parameter** (:data:`policykg.kg.query.UNIT_PARAMETERS`) that matches
  no unit: ``no unit is named …`` with the closest names the graph has (the
  stored query ``unit_names``: labels, full names, aliases, written names);
* else the query's own ``# Empty:`` header line, data beside the question::

      # Empty when document=*: 本语料中没有文件贯彻落实或引用另一份文件 — no document of this corpus …
      # Empty: {year} 年没有到期的目标 — nothing falls due in {year}

  ``when NAME=VALUE`` lines apply only to that value (the first that applies
  wins); ``{name}`` is the parameter's value as given;
* else: the query matched nothing in this graph.
"""

from __future__ import annotations

import re

from policykg.kg.query import UNIT_PARAMETERS, StoredQuery, find_query, prepared_query

_EMPTY = re.compile(r"^#\s*Empty(?:\s+when\s+(?P<name>\w+)=(?P<value>\S+))?\s*:\s*(?P<text>.+)$", re.I)
#: How many close names a "did you mean" offers.
SUGGESTIONS = 3


def empty_lines(query: StoredQuery) -> list[tuple[tuple[str, str] | None, str]]:
    """The query's ``# Empty:`` header lines: ``(condition or None, text)``, in order."""
    found = []
    for line in query.text.replace("\r\n", "\n").split("\n"):
        if not line.startswith("#"):
            break
        if (m := _EMPTY.match(line)) is not None:
            found.append(((m.group("name"), m.group("value")) if m.group("name") else None, m.group("text").strip()))
    return found


def empty_reason(store, query: StoredQuery, params: dict[str, str], doc: str | None = None) -> str:
    """Why ``query`` with ``params`` answered no row on ``store`` (already scoped to ``doc``, if given)."""
    values = {p.name: str(params.get(p.name, p.default)) for p in query.parameters}
    where = f"document {doc}" if doc else "this graph"
    for name in sorted(UNIT_PARAMETERS & set(values)):
        missing = _no_such_unit(store, values[name], where)
        if missing:
            return missing
    for condition, text in empty_lines(query):
        if condition is None or values.get(condition[0]) == condition[1]:
            return _fill(text, values) + (f" (in {where})" if doc else "")
    return f"the query matched nothing in {where}"


def _fill(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


def _no_such_unit(store, value: str, where: str) -> str | None:
    """``no unit is named X in …; did you mean …?`` when no unit goes by any form of ``value``; else None."""
    from policykg.ingest.normalize import unit_name_forms
    from policykg.kg.store import answer
    forms = unit_name_forms(value)
    rows = answer(store, prepared_query(find_query("unit_names")).text).rows
    if any(name in forms for _, _, name in rows):
        return None
    close = _closest(forms, rows)
    said = f"没有名为「{value}」的单位 — no unit is named {value} in {where}"
    if not close:
        return said + " (policykg query unit_names lists every unit's names)"
    return said + "; did you mean " + ", ".join(close) + "?"


def _closest(forms: tuple[str, ...], rows: list) -> list[str]:
    """The units whose names are closest to one of ``forms``: ``name（jurisdiction）``, best first."""
    from difflib import SequenceMatcher
    best: dict[tuple[str, str], tuple[float, str]] = {}
    for jurisdiction, unit, name in rows:
        score = max(SequenceMatcher(None, form, name).ratio() for form in forms)
        key = (jurisdiction, unit)
        if score >= 0.5 and (key not in best or (-score, name) < (-best[key][0], best[key][1])):
            best[key] = (score, name)
    ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[1][1], kv[0]))
    shown: list[str] = []
    for (jurisdiction, _), (_, name) in ranked:
        text = f"{name}（{jurisdiction}）" if jurisdiction else name
        if text not in shown:
            shown.append(text)
        if len(shown) == SUGGESTIONS:
            break
    return shown
