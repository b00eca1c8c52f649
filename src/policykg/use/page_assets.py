"""What the offline pages are made of, and how document text is kept inside them.

Every page (a document's network, the corpus network, a source view) is one
HTML file opened from disk, with no external URL: its template, CSS and scripts
are inlined, fonts come from the system. Node labels, record texts and unit
names come from policy documents and may hold ``<``, ``&``, quotes or
``</script>``: they reach a page only through the template's autoescaping or as
JSON in a ``<script type="application/json">`` block written by
:func:`json_for_script` — the one place that escaping is done — and the page
scripts show them via ``textContent``.

jinja2 and pyvis load only when a page is rendered.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

#: CJK-capable fonts that are commonly installed locally; no web font is loaded.
FONT_STACK = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", '
    '"Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", sans-serif'
)


def json_for_script(data: Any, *, sort_keys: bool = False) -> str:
    """JSON safe to embed in a ``<script>`` block: no ``</script>`` or ``<!--`` can form.

    ``<``, ``>`` and ``&`` only occur inside JSON strings, where ``\\u003c`` etc.
    mean the same thing to ``JSON.parse``; U+2028/U+2029 are escaped for older
    script parsers. ``sort_keys`` makes the output independent of insertion order.

    >>> json_for_script({"text": "</script><!--&"})
    '{"text":"\\\\u003c/script\\\\u003e\\\\u003c!--\\\\u0026"}'
    """
    text = json.dumps(data, ensure_ascii=False, sort_keys=sort_keys, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def check_inlinable(text: str, tag: str, name: str) -> str:
    """Refuse an asset that could end its enclosing element or open a comment early."""
    if re.search(rf"</{tag}|<!--", text, re.IGNORECASE):
        raise ValueError(f"{name} contains '</{tag}' or '<!--' and cannot be inlined")
    return text


@lru_cache(maxsize=None)
def asset(name: str) -> str:
    """A file of ``templates/`` (a page's CSS or script) as text, read once."""
    return (TEMPLATE_DIR / name).read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def template(name: str):
    """A page template of ``templates/``, autoescaping everything not explicitly marked safe."""
    import jinja2
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return env.get_template(name)


def _neutralise_js_urls(js: str) -> str:
    """Write ``://`` in the vis bundle as ``:\\/\\/`` and drop its source-map reference.

    The bundle's URLs are licence links in comments and strings that are never
    fetched (the SVG namespace, core-js licence, an error message). Inside JS
    strings ``\\/`` *is* ``/``, so behaviour is unchanged, and the page can be
    checked mechanically for "no URL at all". ``sourceMappingURL`` would make
    DevTools fetch a file we don't ship.
    """
    js = re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.MULTILINE)
    return js.replace("://", ":\\/\\/")


@lru_cache(maxsize=1)
def network_assets() -> dict[str, str]:
    """The vis bundle (from the installed pyvis) and the network pages' CSS/JS, ready to inline
    (``common_js``, what both network pages share, goes before ``page_js`` or ``corpus.js``)."""
    import pyvis
    vis_dir = Path(pyvis.__file__).with_name("templates") / "lib" / "vis-9.1.2"
    vis_js = (vis_dir / "vis-network.min.js").read_text(encoding="utf-8")
    vis_css = (vis_dir / "vis-network.css").read_text(encoding="utf-8")
    if "://" in vis_css:
        raise ValueError("vis-network.css references a URL; it cannot be inlined offline")
    return {
        "vis_js": check_inlinable(_neutralise_js_urls(vis_js), "script", "vis-network.min.js"),
        "vis_css": check_inlinable(vis_css, "style", "vis-network.css"),
        "common_js": check_inlinable(asset("common.js"), "script", "common.js"),
        "page_js": check_inlinable(asset("page.js"), "script", "page.js"),
        "page_css": check_inlinable(asset("page.css").replace("$FONT_STACK", FONT_STACK), "style", "page.css"),
    }
