"""The command line's grammar: argparse parsers of every sub-command.

Kept apart from :mod:`policykg.cli` because argparse (with the ``re``,
``gettext`` and ``shutil`` it loads, and its first-use regular expressions)
costs ``policykg query`` about a tenth of its time. ``policykg query`` in its
plain forms is read by :mod:`policykg.cli.argv` instead; everything else, and
``--help`` or a mistake on any command, comes here.
"""

from __future__ import annotations

import argparse

from policykg.use.answers import ROW_FORMATS, display_width as _columns   # display_width: CJK takes two
from policykg.cli.options import MAX_TIMEOUT, QUERY_OPTIONS, timeout_seconds
from policykg.resources import default_output_dir
from policykg.vocab import DEFAULT_GRAPH

#: The first line of ``policykg --help``.
DESCRIPTION = "policykg — 政策文件知识图谱：构建、查询、浏览 / build, query and explore the knowledge graph of policy documents."

EXIT_CODES = ("退出码：0 成功；1 图不符合 SHACL 约束；2 输入或用法错误（文件、查询、图、输出目录、超时）\n"
              "exit codes: 0 success; 1 the graph does not conform to the SHACL shapes; "
              "2 bad input or usage (document, query, graph, output folder, time limit)")


_NO_BREAK_BEFORE = frozenset("，。、；：！？）」』》】")
_NO_BREAK_AFTER = frozenset("（「『《【")


def _wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns: broken at spaces and between Chinese characters,
    never before a closing or after an opening Chinese punctuation mark (a longer word stays whole)."""
    from unicodedata import east_asian_width
    atoms: list[list] = []                    # [text, a space before it]
    space = glue = False
    for c in text:
        if c.isspace():
            space = True
            continue
        wide = east_asian_width(c) in "WF"
        if atoms and not space and (glue or c in _NO_BREAK_BEFORE or not (wide or atoms[-1][2])):
            atoms[-1][0] += c
            atoms[-1][2] = wide
        else:
            atoms.append([c, space, wide])
        glue, space = c in _NO_BREAK_AFTER, False
    lines, line = [], ""
    for atom, spaced, _ in atoms:
        piece = (" " if spaced and line else "") + atom
        if line and _columns(line + piece) > width:
            lines.append(line)
            line = atom
        else:
            line += piece
    return [*lines, line] if line else lines


def _chinese_then_english(text: str, width: int) -> list[str]:
    """One paragraph "中文 / English": on one line if it fits, else the Chinese lines, then the English."""
    text = " ".join(text.split())
    if _columns(text) <= width:
        return [text] if text else []
    parts = text.split(" / ")
    for i in range(1, len(parts)):
        chinese, english = " / ".join(parts[:i]), " / ".join(parts[i:])
        if not any(_columns(c) == 2 for c in english):
            return _wrap(chinese, width) + _wrap(english, width)
    return _wrap(text, width)


class BilingualHelpFormatter(argparse.HelpFormatter):
    """argparse's help, wrapped by terminal columns (Chinese characters take two) rather than characters,
    the Chinese of a long "中文 / English" text above its English; a newline in a description or an
    epilog starts a new line."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return _chinese_then_english(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for paragraph in text.split("\n")
                         for line in _chinese_then_english(paragraph, width))


class BilingualRawDescriptionHelpFormatter(BilingualHelpFormatter):
    """Descriptions and epilogs keep their lines (as with argparse.RawDescriptionHelpFormatter); only a line
    wider than the terminal is wrapped, its continuation indented like it."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        out = []
        for line in text.splitlines():
            lead = line[:len(line) - len(line.lstrip())]
            out += [indent + lead + part for part in _wrap(line, width - len(lead))] or [""]
        return "\n".join(out)


def _seconds(text: str) -> float:
    """The type of every ``--timeout``: :func:`policykg.cli.options.timeout_seconds` (which the argparse-free
    reader of ``policykg query`` uses too, so both refuse ``inf``, ``nan`` and values over the ceiling)."""
    try:
        return timeout_seconds(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _retries(text: str) -> int:
    """``push --retries``: 0 to 10 (more would only hide a server that is down)."""
    try:
        count = int(text)
    except ValueError:
        count = -1
    if not 0 <= count <= 10:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to 10, not {text!r}")
    return count


class OneLineErrorParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (like every other error) and exits 2; help is wrapped
    by :class:`BilingualHelpFormatter`."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", BilingualHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


#: How each kind of :data:`policykg.cli.options.QUERY_OPTIONS` entry is declared to argparse.
_KINDS = {"positional": {"nargs": "?"}, "text": {}, "choice": {}, "flag": {"action": "store_true"},
          "repeat": {"action": "append"}, "seconds": {"type": _seconds}}


def _argparse_reading(option) -> dict:
    """``add_argument``'s keywords for one option of the table (its flags are the positional arguments)."""
    kwargs = dict(_KINDS[option.kind], help=option.help)
    if option.kind != "positional":
        kwargs["dest"] = option.dest
        kwargs["default"] = list(option.default) if option.kind == "repeat" else option.default
    if option.choices:
        kwargs["choices"] = option.choices
    if option.metavar:
        kwargs["metavar"] = option.metavar
    return kwargs


def _build(sub) -> None:
    """``policykg build``: one document or a corpus into an output folder."""
    b = sub.add_parser(
        "build", epilog=EXIT_CODES, formatter_class=BilingualRawDescriptionHelpFormatter,
        help="构建单个文件或语料库的知识图谱，写入 graph/ / "
             "build the knowledge graph of one document or of a corpus into graph/",
        description="构建知识图谱 / Build the knowledge graph.\n\n"
                    "One layout for one document or many (docs/output-layout.md): one named\n"
                    "graph per document, manifest.json, corpus.nq, docs/<id>/, one store;\n"
                    "a document is reused when its bytes, its sidecar and the builder are\n"
                    "unchanged (--force rebuilds it anyway). One file: a corpus of one, with\n"
                    "its policykg.ttl/.nt/.jsonld and report.json also at the top of --out.\n"
                    "Without SOURCE: the bundled corpus (sources/).")
    b.add_argument("source", nargs="*", metavar="SOURCE",
                   help="政策文件（.txt、网页 .html/.htm/.shtml、.docx、.pdf；装有 LibreOffice 时 .doc/.wps/.rtf/.odt）"
                        "或其文件夹 / a policy document (.txt, a web page .html/.htm/.shtml, .docx, .pdf; "
                        ".doc/.wps/.rtf/.odt with LibreOffice) or a folder of them")
    b.add_argument("--out", default=str(default_output_dir()),
                   help="输出文件夹（默认 graph/），整体替换 / output folder (default graph/), replaced whole")
    b.add_argument("--jobs", type=int, default=None,
                   help="语料库的工作进程数（默认每核一个） / "
                        "worker processes for a corpus (default: one per core)")
    b.add_argument("--no-analysis", action="store_true",
                   help="不把社区与中心性写入图 / "
                        "skip writing communities and centralities into the graph (id/graph/analysis)")
    b.add_argument("--doc-files", choices=("full", "lean"), default="full",
                   help="每个文件夹 docs/<id>/ 写什么：full（默认）为 Turtle、N-Triples、JSON-LD 与 report.json；"
                        "lean 只写 Oxigraph 排序的 policykg.ttl 与 report.json（大语料库只占五分之一的磁盘） / "
                        "what each docs/<id>/ holds: full (default) Turtle, N-Triples, JSON-LD and report.json; "
                        "lean only policykg.ttl (sorted, by Oxigraph) and report.json — a fifth of the disk "
                        "for a large corpus; corpus.nq and the store are the same either way")
    b.add_argument("--pages", action="store_true",
                   help="同时生成交互式 HTML 页面 / also draw the interactive HTML pages")
    b.add_argument("--force", nargs="*", metavar="ID", default=None,
                   help="重新构建所列文件（其 id，即不含扩展名的文件名），不列则全部重建；来源请写在 --force 之前 / "
                        "build these documents again (their ids: file names without the extension), or all of "
                        "them without an ID, whatever changed; give the sources before --force")
    b.add_argument("--strict", action="store_true",
                   help="严格模式：有未识别的行或任何警告即失败（退出码 2，不写出）；默认部分识别的文件"
                        "仍会构建，并给出一行警告 / "
                        "fail (exit 2, nothing written) when any line is unmapped or any warning is raised; "
                        "by default a document understood in part still builds, with a one-line warning")


def _query(sub) -> None:
    """``policykg query``: its options are :data:`policykg.cli.options.QUERY_OPTIONS` (the plain reader's too)."""
    q = sub.add_parser(
        "query",
        help="执行 SPARQL 查询：库中查询名、任一 .rq 文件或 -e 文本 / "
             "run a SPARQL query: a stored one by name, any .rq file, or -e TEXT",
        description="在图上执行 SPARQL 查询（Oxigraph）。QUERY 为查询库中的查询名（见 "
                    "'policykg queries'，如 key_tasks）或任一 .rq 文件的路径；开头的 # 说明行"
                    "可省略。SELECT 输出行，ASK 输出 true/false，CONSTRUCT 与 DESCRIBE 输出"
                    "三元组（Turtle；加 --format nt 则为 N-Triples）。 / "
                    "Run a SPARQL query on the graph (Oxigraph). QUERY is the name of a stored "
                    "query (see 'policykg queries', e.g. key_tasks) or the path of any .rq file; "
                    "header lines are optional. SELECT prints rows, ASK true/false, CONSTRUCT "
                    "and DESCRIBE triples (Turtle, or N-Triples with --format nt).",
        epilog=EXIT_CODES)
    for option in QUERY_OPTIONS:
        q.add_argument(*option.flags, **_argparse_reading(option))


def _queries(sub) -> None:
    """``policykg queries``: no options."""
    sub.add_parser(
        "queries", help="列出查询库 / list the query library",
        description="列出查询库中的查询：名称、参数及中英文问题 / "
                    "List the query library: each query's name, parameters and question in Chinese and English.")


def _docs(sub) -> None:
    """``policykg docs``: the documents of a graph."""
    ds = sub.add_parser(
        "docs",
        help="列出图中的文件（id、标题、发文机关、日期、辖区、层级、格式） / "
             "list the documents of the graph (id, title, issuer, date, jurisdiction, level, format)",
        description="列出图中的政策文件；id 即 --doc 所用的值 / "
                    "List the documents of the graph; the id is what --doc takes.")
    ds.add_argument("--graph", help="存储文件夹、输出文件夹或图文件（默认 graph/） / "
                                    "a store folder, an output folder, or a graph file (default: graph/)")
    ds.add_argument("--format", default="table", choices=ROW_FORMATS,
                    help="输出格式（默认 table） / output format (default table)")


def _validate(sub) -> None:
    """``policykg validate``: a graph file against the shapes."""
    v = sub.add_parser(
        "validate", help="用 shapes.ttl 校验图文件 / validate a graph file against shapes.ttl",
        description="用 SHACL 约束（shapes.ttl）校验图文件 / "
                    "Validate a graph file against the SHACL shapes (shapes.ttl).")
    v.add_argument("--graph", help="图文件 .ttl/.nt（默认 graph/policykg.ttl） / "
                                   "the graph file, .ttl or .nt (default: graph/policykg.ttl)")


def _serve(sub) -> None:
    """``policykg serve``: the read-only endpoint and its editor."""
    s = sub.add_parser(
        "serve",
        help="在 127.0.0.1 上提供只读 SPARQL 端点及查询编辑器 / "
             "read-only SPARQL endpoint with a query editor on 127.0.0.1",
        description="通过 SPARQL 1.1 协议只读发布图，附查询编辑器。语料库中每份文件为一个"
                    "命名图，默认图为它们的合并。 / "
                    "Serve a graph read-only over the SPARQL 1.1 Protocol, with a query editor. "
                    "A corpus: each document is a named graph, the default graph their merge.")
    s.add_argument("--graph", help="输出文件夹（默认 graph/，用其存储）、存储文件夹，或 .ttl/.nt/.nq/.trig "
                                   "文件（载入临时存储） / "
                                   "an output folder (default graph/: its store), a store folder, "
                                   "or a .ttl/.nt/.nq/.trig file (loaded into a temporary store)")
    from policykg.use.serve import ServerConfig     # its defaults are the command's: one place for them
    default = ServerConfig(graph_files=[])
    s.add_argument("--host", default=default.host,
                   help=f"监听地址（默认 {default.host}） / address to listen on (default {default.host})")
    s.add_argument("--port", type=int, default=default.port,
                   help=f"端口（默认 {default.port}） / port (default {default.port})")
    s.add_argument("--timeout", type=_seconds, default=default.timeout_s,
                   help=f"查询超时秒数（至多 {MAX_TIMEOUT:g}） / seconds before a query is stopped "
                        f"(at most {MAX_TIMEOUT:g})")


def _analyze(sub) -> None:
    """``policykg analyze``: the network analytics."""
    a = sub.add_parser(
        "analyze", help="单位与任务的网络分析 / network analytics of units and tasks",
        description="单位与任务的网络分析：中心性、社区、共同承担最多的单位对 / "
                    "Network analytics of units and tasks: centralities, communities, strongest pairs.")
    a.add_argument("--graph", help="存储文件夹、输出文件夹或 .ttl/.nt 文件（默认 graph/） / "
                                   "a store folder, an output folder, or a .ttl/.nt file (default: graph/)")
    a.add_argument("--top", type=int, default=10,
                   help="每项排名列出前几名（默认 10） / how many to list in each ranking (default 10)")
    a.add_argument("--doc", metavar="ID",
                   help="只分析语料库中的一份文件（默认全语料库，同名单位按辖区区分） / "
                        "analyse one document of a corpus (default: the whole corpus, "
                        "units of different jurisdictions kept apart)")
    a.add_argument("--out", help="GraphML 与 GEXF 文件的输出文件夹 / folder for GraphML and GEXF files")


def _push(sub) -> None:
    """``policykg push``: a built corpus to a Graph Store Protocol server."""
    u = sub.add_parser(
        "push", epilog=EXIT_CODES,
        help="把已构建的语料库推送到 SPARQL 1.1 图存储协议服务器（每个图一次 PUT） / "
             "send a built corpus to a SPARQL 1.1 Graph Store Protocol server (PUT per graph)",
        description="把已构建语料库中各文件的命名图、共享图和溯源图逐一推送到 SPARQL 1.1 "
                    "图存储协议端点，每个图一次 HTTP PUT URL?graph=IRI：再次推送即替换，"
                    "不会重复。 / "
                    "Send each document's named graph, the shared graph and the lineage graph of a "
                    "built corpus to a SPARQL 1.1 Graph Store Protocol endpoint, one HTTP PUT "
                    "URL?graph=IRI per graph: pushing again replaces, never duplicates.")
    u.add_argument("url", help="图存储端点，如 http://127.0.0.1:7878/store（Oxigraph）、"
                               "http://HOST:8890/sparql-graph-crud-auth（Virtuoso，配 --user）；或 isql://HOST:1111"
                               "（Virtuoso 批量加载，配 --load-dir） / "
                               "the Graph Store endpoint, e.g. http://127.0.0.1:7878/store (Oxigraph), "
                               "http://HOST:8890/sparql-graph-crud-auth (Virtuoso, with --user); or isql://HOST:1111 "
                               "(Virtuoso's bulk loader, with --load-dir)")
    u.add_argument("--graph", help="已构建的语料库文件夹（默认 graph/）或其 corpus.nq / "
                                   "the built corpus folder (default graph/) or its corpus.nq")
    u.add_argument("--header", metavar="'NAME: VALUE'",
                   help="附加的请求头，如 'Authorization: Bearer TOKEN' / "
                        "an extra request header, e.g. 'Authorization: Bearer TOKEN'")
    u.add_argument("--user", metavar="USER:PASSWORD",
                   help="服务器要求时发送的用户名与密码（按其要求用 Basic 或 Digest 认证） / "
                        "user and password, sent when the server asks, as it asks (HTTP Basic or Digest)")
    u.add_argument("--default-graph", metavar="default|IRI|none",
                   help="合并后的默认图发往何处：服务器的默认图（default，默认）、一个命名图（IRI，Virtuoso 用）或不发送 / "
                        "where the merged default graph goes: the server's default graph (default), a named "
                        f"graph of its own (an IRI, for Virtuoso, e.g. {DEFAULT_GRAPH}), or nowhere (none)")
    u.add_argument("--load-dir", metavar="DIR",
                   help="用 isql://HOST:PORT 时：Virtuoso 服务器可读的文件夹（其 DirsAllowed 之一），批量加载器从中读取 / "
                        "with isql://HOST:PORT: a folder the Virtuoso server reads (in its DirsAllowed), "
                        "where its bulk loader reads the corpus")
    u.add_argument("--isql", metavar="PROGRAM",
                   help="Virtuoso 的 SQL 客户端（默认 isql-vt） / Virtuoso's SQL client (default isql-vt)")
    u.add_argument("--timeout", type=_seconds, default=60.0, metavar="SECONDS",
                   help=f"每个图的总时限（含重试；默认 60，至多 {MAX_TIMEOUT:g}） / "
                        f"give up on a graph after this many seconds in all, retries included "
                        f"(default 60, at most {MAX_TIMEOUT:g})")
    u.add_argument("--retries", type=_retries, default=2, metavar="N",
                   help="服务器 5xx 或连接失败时的重试次数（默认 2，即至多 3 次尝试；PUT 可安全重发） / "
                        "tries again after a 5xx answer or a failed connection, with back-off "
                        "(default 2: at most 3 tries; a PUT is safe to repeat)")


def _draw(sub) -> None:
    """``policykg draw``: the interactive pages."""
    d = sub.add_parser(
        "draw", help="生成交互式图谱页面 / write the interactive graph pages",
        description="把图画成交互式 HTML 页面，写入输出文件夹 / "
                    "Draw the graph as interactive HTML pages in the output folder.")
    d.add_argument("--graph", help="存储文件夹、输出文件夹或 .ttl/.nt 文件（默认 graph/） / "
                                   "a store folder, an output folder, or a .ttl/.nt file (default: graph/)")
    d.add_argument("--out", default=str(default_output_dir()),
                   help="页面的输出文件夹（默认 graph/） / folder for the pages (default graph/)")


def _export(sub) -> None:
    """``policykg export``: the responsibility matrix or a source view."""
    x = sub.add_parser(
        "export", formatter_class=BilingualRawDescriptionHelpFormatter, epilog=EXIT_CODES,
        help="导出责任矩阵（XLSX/CSV）或某份文件的原文对照（HTML） / "
             "export the responsibility matrix (XLSX/CSV) or a document's source view (HTML)",
        description="导出 / Export.\n\n"
                    "matrix: 责任矩阵 — units (rows: name as written, jurisdiction)\n"
                    "  × responsibility records (columns, in document order: record id and\n"
                    "  a short text); a cell is L (牵头 lead), C (配合 co-operating) or\n"
                    "  J (共同 joint). XLSX: one sheet per document (needs openpyxl:\n"
                    "  pip install 'policykg[export]'). CSV: one file per document\n"
                    "  (--out FOLDER), or --doc ID for one (stdout without --out);\n"
                    "  --excel adds a UTF-8 BOM for Excel and neutralises formulas.\n"
                    "source: 原文对照 — one document as an offline HTML page: every line\n"
                    "  with its number, each record's span, its units, deadlines and\n"
                    "  quantities marked; open a record with PAGE#task/3.")
    x.add_argument("what", choices=["matrix", "source"],
                   help="matrix 责任矩阵（XLSX/CSV）或 source 原文对照（HTML） / "
                        "matrix (XLSX/CSV) or source (HTML)")
    x.add_argument("--graph", help="存储文件夹、输出文件夹或 .ttl/.nt 文件（默认 graph/） / "
                                   "a store folder, an output folder, or a .ttl/.nt file (default: graph/)")
    x.add_argument("--doc", metavar="ID",
                   help="语料库中的一份文件（其 id：去掉 .txt 的文件名） / "
                        "one document of a corpus (its id: the file name without .txt)")
    x.add_argument("--format", choices=["xlsx", "csv"], default="xlsx",
                   help="matrix：xlsx（默认）或 csv / matrix: xlsx (default) or csv")
    x.add_argument("--excel", action="store_true",
                   help="配合 --format csv：每个文件开头加 UTF-8 BOM，使 Excel 正确显示中文；以 = + - @ 开头的文本"
                        "前加 '，不会被当作公式 / "
                        "with --format csv: start each file with a UTF-8 byte order mark so Excel reads Chinese, "
                        "and prefix text starting with = + - @ with ' so Excel never runs it as a formula")
    x.add_argument("--source", metavar="FILE",
                   help="source：该文件的文本文件（默认取语料库清单中的路径） / "
                        "source: the document's text file (default: as the corpus manifest names it)")
    x.add_argument("--out", metavar="PATH",
                   help="matrix xlsx：输出文件（默认 responsibility_matrix.xlsx）；csv：一份文件时为文件，"
                        "多份时为文件夹；source：页面（默认 ID.source.html） / "
                        "matrix xlsx: the file (default responsibility_matrix.xlsx); csv: a file for one "
                        "document, a folder for several; source: the page (default ID.source.html)")


def _ledger(sub) -> None:
    """``policykg ledger``: the progress ledger (台账), out and back."""
    g = sub.add_parser(
        "ledger", formatter_class=BilingualRawDescriptionHelpFormatter, epilog=EXIT_CODES,
        help="导出进展台账，或导入填好的台账 / export the progress ledger, or import a filled one",
        description="进展台账 / The progress ledger (台账).\n\n"
                    "export: one row per responsibility record (record id, document, the record,\n"
                    "  lead and co units, deadline as written, due date) and the columns a unit\n"
                    "  fills: status (未启动 推进中 已完成 滞后 申请延期 已延期, or in English),\n"
                    "  progress note, evidence, reported by, as-of date.\n"
                    "import FILE: the filled ledger as a progress report, a named graph of its\n"
                    "  own (history is kept; the same file twice changes nothing). Bad rows are\n"
                    "  listed with their row numbers and nothing is imported, unless --partial.\n"
                    "  The file is kept in OUT/ledgers/, so a rebuild keeps the progress.")
    g.add_argument("action", choices=["export", "import"], help="export 导出表格 / import 导入填好的表格")
    g.add_argument("file", nargs="?", metavar="FILE", help="import：填好的 .xlsx 或 .csv / import: the filled .xlsx or .csv")
    g.add_argument("--graph", help="输出文件夹（默认 graph/） / the output folder (default graph/)")
    g.add_argument("--doc", metavar="ID", help="只含这份文件的记录（导入时：只接受它的记录） / "
                                               "only this document's records (import: only its records are accepted)")
    g.add_argument("--unit", metavar="NAME", help="export：只含该单位负责（牵头、配合、共同）的记录 / "
                                                  "export: only the records this unit is responsible for")
    g.add_argument("--format", choices=["xlsx", "csv"], default="xlsx", help="export：xlsx（默认）或 csv / xlsx (default) or csv")
    g.add_argument("--out", metavar="FILE", help="export：输出文件（xlsx 默认 ledger.xlsx；csv 默认标准输出） / "
                                                 "export: the file (xlsx: ledger.xlsx; csv: stdout)")
    g.add_argument("--as-of", metavar="DATE", help="import：填报截至日期 YYYY-MM-DD（默认取各行最晚的截至日期） / "
                                                   "import: the report's as-of date (default: the latest its rows give)")
    g.add_argument("--partial", action="store_true", help="import：跳过错误行，导入其余各行 / "
                                                          "import: leave the bad rows out and import the rest")


def _status(sub) -> None:
    """``policykg status``: what is overdue and what falls due soon."""
    t = sub.add_parser(
        "status", help="逾期与即将到期的任务 / the overdue and due-soon records",
        description="督办清单 / Follow-up lists: the records overdue as of a date (due before it, latest\n"
                    "status not 已完成) and those due within --days of it. Exit 0 either way.",
        formatter_class=BilingualRawDescriptionHelpFormatter)
    t.add_argument("--as-of", metavar="DATE", help="截至日期 YYYY-MM-DD（默认今天） / the date to judge by (default today)")
    t.add_argument("--unit", metavar="NAME", help="只看该单位负责的记录 / only records this unit is responsible for")
    t.add_argument("--doc", metavar="ID", help="只看这份文件 / only this document")
    t.add_argument("--days", type=int, default=30, help="即将到期的天数（默认30） / days ahead for due soon (default 30)")
    t.add_argument("--graph", help="存储文件夹或输出文件夹（默认 graph/） / a store or output folder (default graph/)")


#: Every sub-command and the function that declares its parser, in the order ``--help`` lists them.
SUB_COMMANDS = {"build": _build, "query": _query, "queries": _queries, "docs": _docs, "validate": _validate,
                "serve": _serve, "analyze": _analyze, "push": _push, "draw": _draw, "export": _export,
                "ledger": _ledger, "status": _status}
COMMANDS = frozenset(SUB_COMMANDS)


def parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line; with ``only``, just that sub-command's parser is built (building all of them costs
    ~15 ms of argparse on every ``policykg query``, a tenth of its time)."""
    p = OneLineErrorParser(prog="policykg", description=DESCRIPTION, epilog=EXIT_CODES)
    sub = p.add_subparsers(dest="command", required=True, parser_class=OneLineErrorParser)
    for name, declare in SUB_COMMANDS.items():
        if only in (None, name):
            declare(sub)
    return p


def parse_args(argv: list[str]) -> argparse.Namespace:
    """``argv`` (without the program name) as options; a usage error exits 2 with one line."""
    command = argv[0] if argv and argv[0] in COMMANDS else None
    return parser(command).parse_args(argv)
