"""The follow-up dashboard (督办看板): ``dashboard.html`` at the top of an output folder.

Written by ``policykg build --pages`` (with the corpus pages) and after every ``policykg ledger
import``. Per document and per lead unit: records by status, and traffic lights — red overdue,
amber due within 30 days, green done; a timeline of due dates; filters by document, jurisdiction
and unit; each record linked to its span in its document's source view. The page is judged as of
the latest progress report's date (the manifest's ``ledgers``), so a rebuild writes the same page;
with no report yet, as of the day it is written. The figures are ``queries/record_progress.rq``'s
rows; the page only counts them. Offline: everything inline, no request leaves the page.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from policykg.kg.layout import DASHBOARD, DOCS_DIR, MANIFEST, SOURCE_PAGE, STORE_DIR, doc_folder

#: Days ahead that make a record amber (record_progress.rq says the same).
SOON = 30


def dashboard_as_of(folder: Path) -> tuple[str, int]:
    """The date the page is judged by (the latest report's as-of date, else today) and the number of reports."""
    try:
        ledgers = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("ledgers") or []
    except (OSError, ValueError):
        ledgers = []
    dates = [e["as_of"] for e in ledgers if e.get("as_of")]
    return (max(dates) if dates else dt.date.today().isoformat()), len(ledgers)


def dashboard_data(store, as_of: str) -> dict:
    """What the page draws: every record as record_progress.rq gives it, with its document's jurisdiction
    and a link to its span; the documents' titles; the statuses in the ledger's order."""
    from policykg.kg.progress import statuses
    from policykg.kg.query import find_query, run_query
    from policykg.use.followup import follow_up
    cols, rows = run_query(store, find_query("documents"))
    docs = {r[0]: dict(zip(cols, r)) for r in rows}
    records = []
    for r in follow_up(store, "record_progress", as_of):
        r = dict(r)
        r["jurisdiction"] = docs.get(r["doc"], {}).get("jurisdiction") or ""
        r["link"] = f"{DOCS_DIR}/{doc_folder(r['doc'])}/{SOURCE_PAGE}#{r['record']}"
        r["days_left"] = r["days_left"] if r["days_left"] != "" else None
        records.append(r)
    return {"as_of": as_of, "records": records, "statuses": [s.zh for s in statuses()] + ["未填报"],
            "english": {**{s.zh: s.en for s in statuses()}, "未填报": "never reported"},
            "titles": {k: v.get("title") or "" for k, v in docs.items()}}


def render_dashboard(store, as_of: str, reports: int) -> str:
    from policykg.use.page_assets import FONT_STACK, asset, check_inlinable, json_for_script, template
    return template("dashboard.html.j2").render(
        as_of=as_of, reports=reports, soon=SOON, fonts=FONT_STACK,
        data=json_for_script(dashboard_data(store, as_of), sort_keys=True),
        script=check_inlinable(asset("dashboard.js"), "script", "dashboard.js"))


def dashboard_pages(stage: Path) -> list[str]:
    """Write ``dashboard.html`` into a staged output folder (its store and manifest written); returns its name."""
    import pyoxigraph as ox

    from policykg.kg.publish import write_text_atomic
    stage = Path(stage)
    as_of, reports = dashboard_as_of(stage)
    store = ox.Store.read_only(str(stage / STORE_DIR))
    try:
        text = render_dashboard(store, as_of, reports)
    finally:
        del store
    write_text_atomic(stage / DASHBOARD, text)
    return [DASHBOARD]
