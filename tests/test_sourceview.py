"""The source view (``docs/<id>/source.html``): every line verbatim, every record's span, escaping,
and in headless Chromium the highlighted spans equal the records' source spans read from the store.

``POLICYKG_SCREENSHOTS=1`` writes the screenshot to ``docs/source_view.png`` (quantised: < 300 KB).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from policykg.kg.store import as_store, execute, open_graph, plain
from policykg.use.sourceview import SOURCE_PAGE, render_source_view, write_source_view, write_source_views

ROOT = Path(__file__).resolve().parents[1]
GRAPH = ROOT / "graph"
SEED = "000_4cdbba2a142b4d11"
GUOFA = "05_guofa_2018_39_employment"
SPANS = """PREFIX pkg: <https://w3id.org/policykg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?r ?a ?b WHERE {
  ?r a pkg:ResponsibilityRecord ; pkg:inDocument/pkg:shortId ?sid ; prov:wasDerivedFrom ?sp .
  ?sp pkg:startLine ?a ; pkg:endLine ?b .
  FILTER(STR(?sid) = "%s")
}"""
EVIL = """关于<script>window.pwned=1</script>加强协调的通知
一、总体要求
（一）加强统筹协调<script>window.pwned=2</script>，到2025年建成10个以上示范点。（责任单位：市发改局）
（二）优化服务"<img src=x onerror=alert(1)>" & 提升效率。（牵头单位：市财政局；配合单位：市税务局）
这一行</div><b>不属于任何记录</b>。
"""


def _need_corpus():
    if not (GRAPH / "store").is_dir() or not (GRAPH / "docs" / SEED / "policykg.ttl").is_file():
        pytest.skip("graph/ holds no built corpus: run 'make graph' (policykg build --pages)")


def _expected_spans(store, short_id: str) -> dict[str, set[int]]:
    """Record id → source lines, straight from the store."""
    _, _, rows = execute(store, SPANS % short_id)
    out: dict[str, set[int]] = {}
    for r, a, b in rows:
        rid = plain(r).split("/doc/", 1)[1].split("/", 1)[1]
        out.setdefault(rid, set()).update(range(plain(a), plain(b) + 1))
    return out


class _Lines(HTMLParser):
    """What a source view shows: per line its text (``.tx``), its bands, its marks; anchors by id."""

    def __init__(self) -> None:
        super().__init__()
        self.text: dict[int, str] = {}
        self.bands: dict[str, set[int]] = {}
        self.marks: list[tuple[int, str, str, str]] = []   # line, kind, records, text
        self.ids: set[str] = set()
        self.scripts = 0
        self._line = 0
        self._row: tuple[int, ...] | None = None          # a table row's lines, until a line of it starts
        self._in_tx = 0                                    # the depth of spans inside a line's .tx
        self._mark: list | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "script":
            self.scripts += 1
        cls = (a.get("class") or "").split()
        if tag == "div" and "ln" in cls:
            self._line, self._row = int(a["data-line"]), None
            self.text[self._line] = ""
        elif tag == "tr" and "data-lines" in a:            # a drawn table's row: its bands are in its gutter
            self._row = tuple(int(n) for n in a["data-lines"].split())
        elif tag == "span" and "band" in cls and "data-rec" in a:
            self.bands.setdefault(a["data-rec"], set()).update(self._row if self._row is not None else {self._line})
        elif tag == "span" and "tx" in cls:
            self._in_tx = 1
        elif tag == "span" and self._in_tx:                 # a span inside the text (a table cell's tab)
            self._in_tx += 1
        elif tag == "mark" and self._in_tx:
            self._mark = [self._line, cls[0][2:], a.get("data-r", ""), ""]

    def handle_endtag(self, tag):
        if tag == "mark" and self._mark:
            self.marks.append(tuple(self._mark))
            self._mark = None
        elif tag == "span" and self._in_tx and self._mark is None:
            self._in_tx -= 1

    def handle_data(self, data):
        if self._in_tx:
            self.text[self._line] += data
            if self._mark is not None:
                self._mark[3] += data


def _parse(html: str) -> _Lines:
    parser = _Lines()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def corpus_store():
    _need_corpus()
    return open_graph(str(GRAPH))


@pytest.fixture(scope="module")
def views(tmp_path_factory):
    """``write_source_views`` on a staged copy of two documents of the built corpus."""
    _need_corpus()
    stage = tmp_path_factory.mktemp("stage")
    manifest = json.loads((GRAPH / "manifest.json").read_text(encoding="utf-8"))
    entries = []
    for entry in manifest["documents"]:
        if entry["id"] in (SEED, GUOFA):
            folder = stage / "docs" / entry["id"]
            folder.mkdir(parents=True)
            for name in ("policykg.ttl", "report.json"):
                shutil.copy(GRAPH / "docs" / entry["id"] / name, folder / name)
            file = Path(entry["file"])
            entries.append(dict(entry, file=str(file if file.is_absolute() else ROOT / file)))
    entries.append({"id": "gone", "file": "nowhere.txt", "status": "failed"})
    assert write_source_views(stage, entries) == []
    return {e["id"]: stage / "docs" / e["id"] / SOURCE_PAGE for e in entries if e["status"] == "built"}


# ---------------------------------------------------------------- the HTML


def _source_lines(doc: str) -> list[str]:
    source = json.loads((GRAPH / "manifest.json").read_text(encoding="utf-8"))
    file = next(Path(e["file"]) for e in source["documents"] if e["id"] == doc)
    return (file if file.is_absolute() else ROOT / file).read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("doc", [SEED, GUOFA])
def test_every_line_verbatim_and_every_record_span(views, corpus_store, doc):
    html = views[doc].read_text(encoding="utf-8")
    page = _parse(html)
    lines = _source_lines(doc)
    assert sorted(page.text) == list(range(1, len(lines) + 1))
    assert [page.text[n] for n in range(1, len(lines) + 1)] == lines
    assert {f"L{n}" for n in range(1, len(lines) + 1)} <= page.ids
    expected = _expected_spans(corpus_store, doc)
    assert expected and set(page.bands) == set(expected)
    for rid, shown in page.bands.items():       # a table row's band spans the row: a blank line in it besides
        assert shown >= expected[rid] and all(not lines[n - 1].strip() for n in shown - expected[rid]), rid
    assert set(expected) <= page.ids                   # #task/3, #record/12 … anchors
    assert 'http-equiv="Content-Security-Policy"' in html and "default-src 'none'" in html
    assert not re.search(r'(src|href)="(https?:)?//|url\(|@import|@font-face', html)


def test_seed_task_2_units_deadline_and_quantity_are_marked(views):
    page = _parse(views[SEED].read_text(encoding="utf-8"))
    marks = [(kind, text) for line, kind, recs, text in page.marks if "task/2" in recs.split()]
    assert [t for k, t in marks if k == "lead"] == ["市财政局"]
    assert [t for k, t in marks if k == "co"] == ["市发改局", "市经信局", "市科技局", "市国资办", "市国有资本运营集团"]
    assert ("qty", "达到70%以上") in marks
    guofa = _parse(views[GUOFA].read_text(encoding="utf-8"))
    assert any(k == "deadline" and t == "本意见印发之日起30日内" and "record/12" in r.split()
               for _, k, r, t in guofa.marks)
    assert any(k == "joint" and t == "各省级人民政府" for _, k, r, t in guofa.marks)


def test_layout_and_unmapped_lines_carry_their_reason(views):
    html = views[SEED].read_text(encoding="utf-8")
    report = json.loads((GRAPH / "docs" / SEED / "report.json").read_text(encoding="utf-8"))
    reason, lines = next(iter(report["layout_lines"].items()))
    assert f"版式：{reason}" in html                     # beside the line, or a table cell's badge's title
    for n in lines:                                   # a line, or a line in a cell of a drawn table
        assert re.search(rf'<div class="ln( cl)?[^"]* is-layout[^"]*" id="L{n}"', html), n


@pytest.fixture(scope="module")
def evil(tmp_path_factory):
    """A made-up document whose text, record fields and report reasons carry markup."""
    from policykg.kg.pipeline import build
    folder = tmp_path_factory.mktemp("evil")
    source = folder / "evil.txt"
    source.write_text(EVIL, encoding="utf-8")
    result = build(source)
    report = dict(result.report, unmapped_lines=[{"line": 5, "reason": "<i>no</i> record </script>",
                                                  "text": EVIL.splitlines()[4]}])
    out = write_source_view(as_store(result.graph), source, report, folder / SOURCE_PAGE)
    return out, source


def test_document_text_is_escaped(evil):
    out, source = evil
    html = out.read_text(encoding="utf-8")
    page = _parse(html)
    assert page.scripts == 2                                      # the data block and the page's own script
    assert "<script>window.pwned" not in html and "<img src=x" not in html and "<b>不属于" not in html
    assert "&lt;script&gt;window.pwned=2&lt;/script&gt;" in html
    assert [page.text[n] for n in sorted(page.text)] == source.read_text(encoding="utf-8").splitlines()
    assert "未映射：&lt;i&gt;no&lt;/i&gt; record &lt;/script&gt;" in html
    data = html.split('<script type="application/json" id="sv-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data and json.loads(data)["records"]["record/1"]["lead"] == ["市发改局"]
    assert page.bands == {"record/1": {3}, "record/2": {4}}


def test_a_changed_source_is_refused(tmp_path, evil):
    from policykg.errors import InputError
    from policykg.kg.pipeline import build
    out, source = evil
    store = as_store(build(source).graph)
    changed = tmp_path / "evil.txt"
    changed.write_text(EVIL + "多一行\n", encoding="utf-8")
    with pytest.raises(InputError, match="not the one the graph was built from"):
        render_source_view(store, changed, {})


# ---------------------------------------------------------------- in the browser


def _helper():
    spec = importlib.util.spec_from_file_location("policykg_test_sourceview_browser",
                                                  Path(__file__).with_name("browser.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def chrome(tmp_path_factory):
    helper = _helper()
    if not helper.CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {helper.CHROMIUM} is missing: sh scripts/install_system_deps.sh")
        pytest.skip(f"{helper.CHROMIUM} not installed")
    with helper.Chromium(tmp_path_factory.mktemp("chromium"), window=(1400, 900)) as browser:
        yield browser


HIGHLIGHTED = """(() => {
  const out = {};
  for (const band of document.querySelectorAll('.band[data-rec]')) {
    const rect = band.getBoundingClientRect();
    if (!rect.width || !rect.height) continue;            // drawn, not just present
    const id = band.dataset.rec, line = band.closest('.ln');     // a line's band, or a table row's
    const lines = line ? [+line.dataset.line] : band.closest('tr').dataset.lines.split(' ').map(Number);
    (out[id] = out[id] || []).push(...lines);
  }
  return out;
})()"""


def _offline(page) -> None:
    urls = page.request_urls()
    assert urls and all(urlsplit(u).scheme in {"file", "data", "about"} for u in urls), urls


@pytest.mark.browser
@pytest.mark.parametrize("doc", [SEED, GUOFA])
def test_highlighted_spans_equal_the_records_spans(chrome, views, corpus_store, doc):
    page = chrome.open_page()
    page.navigate(views[doc].as_uri())
    page.wait_for("window.policykgSource && window.policykgSource.ready")
    shown = {rid: set(lines) for rid, lines in page.evaluate(HIGHLIGHTED).items()}
    expected = _expected_spans(corpus_store, doc)
    text = _source_lines(doc)
    assert set(shown) == set(expected)
    for rid, lines in shown.items():            # a table row's band spans the row: a blank line in it besides
        assert lines >= expected[rid] and all(not text[n - 1].strip() for n in lines - expected[rid]), rid
    _offline(page)
    assert not [e for e in page.events if e["method"] in ("Runtime.exceptionThrown", "Page.javascriptDialogOpening")]


@pytest.mark.browser
def test_a_record_url_scrolls_to_and_marks_its_span(chrome, views, corpus_store, tmp_path):
    page = chrome.open_page()
    page.navigate(views[SEED].as_uri() + "#task/3")
    page.wait_for("window.policykgSource && window.policykgSource.ready")
    assert page.evaluate("window.policykgSource.current") == "task/3"
    marked = page.evaluate("[...document.querySelectorAll('.ln.cur')].map(e => +e.dataset.line)")
    assert set(marked) == _expected_spans(corpus_store, SEED)["task/3"]
    first = min(marked)
    box = page.evaluate(f"(() => {{ const r = document.getElementById('L{first}').getBoundingClientRect();"
                        "return [r.top, r.bottom, window.innerHeight]; })()")
    assert 0 <= box[0] and box[1] <= box[2], box                 # scrolled into view
    # another record by hash change; hover on its band shows its fields
    page.evaluate("location.hash = '#task/2'")
    page.wait_for("window.policykgSource.current === 'task/2'")
    x, y = page.evaluate("(() => { const r = document.querySelector('mark.m-lead[data-r~=\"task/2\"]')"
                         ".getBoundingClientRect(); return [r.x + 4, r.y + 4]; })()")
    page.mouse_move(x, y)
    page.wait_for("!document.getElementById('sv-tip').hidden")
    tip = page.evaluate("document.getElementById('sv-tip').textContent")
    assert "task/2" in tip and "市财政局" in tip and "市国有资本运营集团" in tip and "达到70%以上" in tip
    _offline(page)
    time.sleep(0.2)
    shot = tmp_path / "source_view.png"
    page.screenshot(shot)
    target = ROOT / "docs" / "source_view.png" if os.environ.get("POLICYKG_SCREENSHOTS") == "1" else shot
    if _small_png(shot, target):
        assert target.stat().st_size < 300_000


def _small_png(source: Path, target: Path) -> bool:
    """A 128-colour copy (text stays sharp; a screenshot shrinks to about a third); False without Pillow."""
    try:
        from PIL import Image
    except ImportError:
        if target != source:
            shutil.copy(source, target)
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    image = Image.open(source).convert("RGB")
    assert image.size == (1400, 900)
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(target, optimize=True)
    return True


@pytest.mark.browser
def test_markup_in_the_document_never_runs(chrome, evil):
    out, source = evil
    page = chrome.open_page()
    page.navigate(out.as_uri())
    page.wait_for("window.policykgSource && window.policykgSource.ready")
    assert page.evaluate("window.pwned === undefined && !document.querySelector('.tx img, .tx b, .tx script')")
    text = page.evaluate("[...document.querySelectorAll('.ln .tx')].map(e => e.textContent)")
    assert text == source.read_text(encoding="utf-8").splitlines()
    x, y = page.evaluate("(() => { const r = document.querySelector('#L4 .band').getBoundingClientRect();"
                         "return [r.x + 2, r.y + 4]; })()")
    page.mouse_move(x, y)
    page.wait_for("!document.getElementById('sv-tip').hidden")
    assert page.evaluate("!document.querySelector('#sv-tip img') && "
                         "document.getElementById('sv-tip').textContent.includes('<img src=x')")
    assert not [e for e in page.events if e["method"] == "Page.javascriptDialogOpening"]
    _offline(page)
