"""Follow-up (督办) answers from the stored queries: the status lists and the dashboard's figures.

Everything here runs the library's queries (``queries/overdue.rq``, ``due_soon.rq``,
``record_progress.rq``) and only shapes their rows: what counts as overdue is said once,
in SPARQL, and the terminal, the dashboard and the notebooks show the same answer.
"""

from __future__ import annotations

import datetime as dt

from policykg.errors import UsageError

#: The columns ``policykg status`` shows, with their headers.
_SHOWN = (("doc", "文件 doc"), ("record", "记录 record"), ("due", "完成日期 due"), ("days", "天数 days"),
          ("status", "状态 status"), ("lead_units", "牵头 lead"), ("text", "任务 task"))


def as_of_date(text: str | None) -> str:
    """``text`` as an ISO date (today when None); a usage error when it is not a date."""
    if text is None:
        return dt.date.today().isoformat()
    from policykg.use.ledger import parse_date
    iso = parse_date(text)
    if iso is None:
        raise UsageError(f"--as-of {text!r} is not a date (write YYYY-MM-DD)")
    return iso


def follow_up(store, name: str, as_of: str, unit: str | None = None, doc: str | None = None,
              days: int | None = None) -> list[dict]:
    """The rows of stored query ``name`` (overdue, due_soon, record_progress) as dicts."""
    from policykg.kg.query import find_query, run_query
    params = {"as_of": as_of, "unit": unit or "all", "document": doc or "all"}
    if days is not None:
        params["days"] = str(days)
    cols, rows = run_query(store, find_query(name), params)
    return [dict(zip(cols, row)) for row in rows]


def status_lines(store, as_of: str | None, unit: str | None, doc: str | None, days: int = 30) -> list[str]:
    """``policykg status``: the overdue list, then the due-soon list, aligned for CJK terminals."""
    from policykg.use.answers import to_table
    if days < 0:
        raise UsageError("--days must be 0 or more")
    if doc:
        from policykg.kg.documents import find_document
        find_document(store, doc)                      # an unknown id: one line naming the known ones
    on = as_of_date(as_of)
    scope = "".join([f"，单位 unit {unit}" if unit else "", f"，文件 doc {doc}" if doc else ""])
    lines = []
    for name, title, key in (("overdue", f"截至 {on} 已逾期 / overdue as of {on}", "days_overdue"),
                             ("due_soon", f"{days} 天内到期 / due within {days} days of {on}", "days_left")):
        rows = follow_up(store, name, on, unit, doc, days if name == "due_soon" else None)
        lines.append(f"{title}{scope}: {len(rows)}")
        if rows:
            table = [[r.get(k) if k != "days" else r[key] for k, _ in _SHOWN] for r in rows]
            for r in table:
                r[4] = r[4] or "未填报 not reported"
            text = to_table([h for _, h in _SHOWN], table, 36)
            lines += ["  " + line for line in text.splitlines()]
        lines.append("")
    return lines[:-1]


def counts(rows: list[dict], key: str) -> dict[str, dict[str, int]]:
    """Per ``key`` (``doc``, or a lead unit): records, each status, and the lights (red, amber, green)."""
    found: dict[str, dict[str, int]] = {}
    for row in rows:
        names = [n for n in row[key].split("、") if n] if key == "lead_units" else [row[key]]
        for name in names or ["（未写牵头单位）"]:
            c = found.setdefault(name, {"records": 0, "red": 0, "amber": 0, "green": 0})
            c["records"] += 1
            c[row["status"] or "未填报"] = c.get(row["status"] or "未填报", 0) + 1
            if row["light"]:
                c[row["light"]] += 1
    return found
