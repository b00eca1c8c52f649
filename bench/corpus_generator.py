#!/usr/bin/env python3
"""Make N policy documents from the nine bundled real ones — varied, not copied.

``python bench/corpus_generator.py N OUT_FOLDER [--seed S]`` writes ``OUT_FOLDER/gen_00000.txt`` …
Each document starts from one of the bundled texts (the seed ``sources/000_…`` and the eight of
``sources/dev/``; 02 and 13, bundled as a PDF and a portal page, from their ``.txt`` in
``tests/fixtures/formats/``) and changes, deterministically from ``--seed`` and its number:

* **jurisdiction** — the issuer's and every place name of the template's own area (and of its
  parent areas) become those of another area of the same level from ``lexicon/jurisdictions.tsv``
  (乐清市 → 瑞安市 under 温州市, 包头市 → 杭州市 under 浙江省, 安徽省 → 河南省 …), 文号 prefixes with
  them (皖 → 豫, 包府办发 → 杭府办发); a county that is a 县 or 区 gets 县/区 unit prefixes;
* **unit names** — each unit of a responsibility note may be swapped for another department of the
  same level (市科技局 ↔ 市商务局 …), consistently throughout the text;
* **record counts** — measures carrying a responsibility note are dropped, duplicated (with new
  figures) or swapped with their neighbour;
* **layouts** — the notes of a document are rewritten into one of the bundled layouts:
  （责任单位：…）, （X牵头，Y配合）, （牵头单位：X，参加单位：Y）, （牵头单位：X；责任单位：Y）,
  （X、Y负责。列第一位者为牵头单位，下同） or （…，牵头考核单位：X）; the seed's task table keeps its own;
* **numbers** — every year moves by the same offset, quantities (亿元, 万元, %, 家, 个 …) are scaled,
  and 文号 get new serial numbers;
* **lineage** — about a third of the documents cite an earlier generated one by 《title》 and 文号,
  preferring a document of the parent jurisdiction (a county plan implementing its city's).

Documents without a header in the bundled text get one (issuer, 文号, date, title), so every
generated document has its own title, issuer and jurisdiction. Standard library only.
"""

from __future__ import annotations

import argparse
import random
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "sources"
#: Texts the bundled corpus holds in a published format (sources/dev/ has 02 as .pdf, 13 as .html):
#: their .txt, which the templates rewrite, is kept beside the published files of the tests.
TEXTS = ROOT / "tests" / "fixtures" / "formats"


@dataclass(frozen=True)
class Template:
    file: str
    place: str              # the template's own jurisdiction
    level: str              # 国家 / 省 / 市 / 县
    issuer: str
    date: str               # YYYY-MM-DD
    number: str | None      # 文号 as written, None when the text has none
    title: str | None       # the title when the text has no header (a header is prepended)
    notes: bool = True      # rewrite the responsibility notes' layout (not the seed's task table)
    heading: str | None = None  # the title as one line, when the text breaks it over two


TEMPLATES = (
    Template("000_4cdbba2a142b4d11.txt", "乐清市", "县", "乐清市人民政府办公室", "2023-11-23", None, None, notes=False),
    Template("dev/01_baotou_digital_gov_assessment_2022.txt", "包头市", "市", "包头市人民政府办公室", "2022-04-14",
             "包府办发〔2022〕43号", None),
    Template("02_anhui_industrial_internet_2021.txt", "安徽省", "省", "安徽省人民政府办公厅", "2021-09-02",
             "皖政办秘〔2021〕82号", None),
    Template("dev/03_anhui_rcep_opening_2022.txt", "安徽省", "省", "安徽省推进“三地一区”建设领导小组改革开放新高地执行小组办公室",
             "2022-03-23", "皖开放办〔2022〕6号", None),
    Template("dev/05_guofa_2018_39_employment.txt", "全国", "国家", "国务院", "2018-11-16", "国发〔2018〕39号", None,
             heading="国务院关于做好当前和今后一个时期\n促进就业工作的若干意见"),
    Template("dev/11_shandong_service_digital_2021.txt", "山东省", "省", "山东省发展和改革委员会", "2021-09-28", None,
             "山东省服务业数字化转型行动方案（2021—2023）"),
    Template("13_jinan_digital_pioneer_city_2021.txt", "济南市", "市", "济南市人民政府", "2021-09-15", None,
             "济南市加快数字化高质量发展打造数字先锋城市推进方案"),
    Template("dev/18_shandong_ngit_guiding_opinions_2023.txt", "山东省", "省", "山东省人民政府", "2023-12-26", None,
             "山东省人民政府关于加快实施“十大工程”推动新一代信息技术产业高质量发展的指导意见"),
    Template("dev/22_qingdao_ocean_ai_models_2024.txt", "青岛市", "市", "青岛市人民政府办公厅", "2024-06-06", None,
             "青岛市海洋人工智能大模型产业集聚区建设实施方案"),
)

#: One-character abbreviations of provinces, as in 文号 (皖政办秘〔2021〕82号).
PROVINCE_ABBR = {
    "北京市": "京", "天津市": "津", "上海市": "沪", "重庆市": "渝", "河北省": "冀", "山西省": "晋", "辽宁省": "辽",
    "吉林省": "吉", "黑龙江省": "黑", "江苏省": "苏", "浙江省": "浙", "安徽省": "皖", "福建省": "闽", "江西省": "赣",
    "山东省": "鲁", "河南省": "豫", "湖北省": "鄂", "湖南省": "湘", "广东省": "粤", "海南省": "琼", "四川省": "川",
    "贵州省": "黔", "云南省": "云", "陕西省": "陕", "甘肃省": "甘", "青海省": "青", "内蒙古自治区": "内",
    "广西壮族自治区": "桂", "西藏自治区": "藏", "宁夏回族自治区": "宁", "新疆维吾尔自治区": "新",
}
#: Departments a note may be given instead of its own: the stem after the level prefix (市/省/县/区).
DEPARTMENTS = ("发展改革委", "科技局", "工业和信息化局", "财政局", "商务局", "人力资源社会保障局", "自然资源和规划局",
               "住房城乡建设局", "交通运输局", "农业农村局", "文化和旅游局", "卫生健康委", "市场监管局", "大数据局",
               "地方金融监管局", "生态环境局", "教育局", "民政局", "司法局", "应急管理局", "审计局", "统计局", "税务局",
               "医保局", "委宣传部", "委组织部", "委网信办", "工商联")
PROVINCE_DEPARTMENTS = ("发展改革委", "科技厅", "工业和信息化厅", "财政厅", "商务厅", "人力资源社会保障厅", "自然资源厅",
                        "住房城乡建设厅", "交通运输厅", "农业农村厅", "文化和旅游厅", "卫生健康委", "市场监管局", "大数据局",
                        "地方金融监管局", "生态环境厅", "教育厅", "民政厅", "司法厅", "应急厅", "审计厅", "统计局", "医保局",
                        "委宣传部", "委网信办", "药监局")
NATIONAL_UNITS = ("国家发展改革委", "教育部", "科技部", "工业和信息化部", "民政部", "财政部", "人力资源社会保障部",
                  "自然资源部", "住房城乡建设部", "交通运输部", "农业农村部", "商务部", "人民银行", "国务院国资委",
                  "税务总局", "市场监管总局", "统计局", "银保监会", "证监会", "全国总工会", "共青团中央", "全国妇联")
QUANTITY = re.compile(r"(?<![0-9.〔])(\d+(?:\.\d+)?)(?=\s*(?:亿元|万元|元|家|个|项|%|％|万人|人次|万户|个百分点|所|座|公里|千米|台|套|万吨|吨|亩|平方米))")
YEAR = re.compile(r"(?<!\d)(20[0-3]\d)(?!\d)")
NUMBER_SERIAL = re.compile(r"(〔20\d\d〕)(\d+)(号)")
NOTE = re.compile(r"（([^（）]{2,240})）")
UNIT_SPLIT = re.compile(r"[、，,；;]|及")
_CJK = "\u4e00-\u9fff"


def jurisdictions() -> dict[str, tuple[str, str]]:
    """name → (level, parent), from lexicon/jurisdictions.tsv."""
    out = {}
    for line in (ROOT / "lexicon" / "jurisdictions.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        cells = line.split("\t")
        if len(cells) >= 3 and cells[0]:
            out[cells[0]] = (cells[1], cells[2])
    return out


def short(place: str) -> str:
    """乐清市 → 乐清, 内蒙古自治区 → 内蒙古, 广西壮族自治区 → 广西, 永嘉县 → 永嘉."""
    for suffix in ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "省", "市", "县", "区", "旗"):
        if place.endswith(suffix) and len(place) - len(suffix) >= 2:
            return place[: -len(suffix)]
    return place


def chain(place: str, areas: dict[str, tuple[str, str]]) -> list[str]:
    """The place and its parents up to (not including) 全国."""
    out = []
    while place and place != "全国" and place in areas and place not in out:
        out.append(place)
        place = areas[place][1]
    return out


def pick_place(template: Template, rng: random.Random, areas: dict[str, tuple[str, str]]) -> str:
    if template.level == "国家":
        return "全国"
    same = sorted(n for n, (level, _) in areas.items() if level == template.level and n != "台湾省")
    return rng.choice(same)


def place_map(template: Template, target: str, areas: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Old name → new name for the template's area and its parents (full and short forms)."""
    mapping: dict[str, str] = {}
    for old, new in zip(chain(template.place, areas), chain(target, areas)):
        mapping[old] = new
        if short(old) != old and short(new) != new:
            mapping[short(old)] = short(new)
        if old in PROVINCE_ABBR and new in PROVINCE_ABBR:
            mapping[PROVINCE_ABBR[old] + "政"] = PROVINCE_ABBR[new] + "政"
            mapping[PROVINCE_ABBR[old] + "开放办"] = PROVINCE_ABBR[new] + "开放办"
    old_s, new_s = short(template.place), short(target)
    if template.level in ("市", "县") and old_s != template.place:
        mapping[old_s[0] + "府办发"] = new_s[0] + "府办发"
    return mapping


def replace_all(text: str, mapping: dict[str, str]) -> str:
    """Replace every key at once, longest first (no replacement is replaced again)."""
    if not mapping:
        return text
    pattern = re.compile("|".join(re.escape(k) for k in sorted(mapping, key=len, reverse=True)))
    return pattern.sub(lambda m: mapping[m.group(0)], text)


# ---------------------------------------------------------------- notes


def parse_note(body: str) -> tuple[list[str], list[str], str] | None:
    """(leads, others, prefix) of a responsibility note, or None when it is not one we can rewrite."""
    prefix = ""
    m = re.fullmatch(r"(.*?[，,])?牵头考核单位[：:](.+)", body)
    if m:
        return [], _units(m.group(2)), (m.group(1) or "")
    m = re.fullmatch(r"牵头单位[：:]([^，,；;]+)[，,；;](?:参加单位|责任单位|配合单位)[：:](.+)", body)
    if m:
        return _units(m.group(1)), _units(m.group(2)), prefix
    m = re.fullmatch(r"责任单位[：:](.+)", body)
    if m:
        return [], _units(m.group(1)), prefix
    m = re.fullmatch(r"([^，,。；;：:]+?)牵头[，,]([^，,。；;：:]+?)(?:配合|负责)", body)
    if m:
        return _units(m.group(1)), _units(m.group(2)), prefix
    m = re.fullmatch(r"([^，,。；;：:]+?)负责(?:。列第一位者为牵头单位，下同)?", body)
    if m:
        return [], _units(m.group(1)), prefix
    return None


def _units(text: str) -> list[str]:
    return [u.strip().removesuffix("等") for u in UNIT_SPLIT.split(text) if u.strip()]


def write_note(style: str, leads: list[str], others: list[str], prefix: str, first: bool) -> str:
    units = leads + others
    lead, rest = units[0], units[1:]
    if style == "duty":
        return f"（责任单位：{'、'.join(units)}）"
    if style == "lead_co":
        return f"（{lead}牵头，{'、'.join(rest)}配合）" if rest else f"（{lead}负责）"
    if style == "lead_part":
        return f"（牵头单位：{lead}，参加单位：{'、'.join(rest)}）" if rest else f"（牵头单位：{lead}）"
    if style == "lead_duty":
        return f"（牵头单位：{lead}；责任单位：{'、'.join(rest)}）" if rest else f"（牵头单位：{lead}）"
    if style == "first_lead":
        return f"（{'、'.join(units)}负责{'。列第一位者为牵头单位，下同' if first else ''}）"
    if style == "assess":
        return f"（{prefix}牵头考核单位：{'、'.join(units)}）"
    raise ValueError(style)


STYLES = ("duty", "lead_co", "lead_part", "lead_duty", "first_lead", "assess")


def unit_pool(prefix: str, level: str) -> tuple[str, ...]:
    if level == "国家":
        return NATIONAL_UNITS
    return tuple(prefix + d for d in (PROVINCE_DEPARTMENTS if level == "省" else DEPARTMENTS))


def vary_units(text: str, template: Template, rng: random.Random) -> str:
    """Swap some units written in the notes for other departments of the same level, everywhere."""
    seen: list[str] = []
    for m in NOTE.finditer(text):
        parsed = parse_note(m.group(1))
        if parsed:
            seen += [u for u in parsed[0] + parsed[1] if u not in seen]
    prefix = {"省": "省", "市": "市", "县": "市"}.get(template.level, "")
    candidates = [u for u in seen if (prefix and u.startswith(prefix) and 3 <= len(u) <= 12)
                  or (template.level == "国家" and u in NATIONAL_UNITS)]
    pool = [u for u in unit_pool(prefix, template.level) if u not in seen]
    rng.shuffle(pool)
    mapping = {}
    for unit in candidates:
        if pool and rng.random() < 0.3:
            mapping[unit] = pool.pop()
    return replace_all(text, mapping)


def relayout(lines: list[str], style: str | None) -> list[str]:
    """Every note we can read, rewritten in ``style`` (None: left as written)."""
    if style is None:
        return lines
    out, first = [], True

    def note(m: re.Match) -> str:
        nonlocal first
        parsed = parse_note(m.group(1))
        if not parsed or not (parsed[0] or parsed[1]):
            return m.group(0)
        text = write_note(style, *parsed, first=first)
        first = False
        return text
    for line in lines:
        out.append(NOTE.sub(note, line))
    return out


def vary_records(lines: list[str], rng: random.Random, scale) -> list[str]:
    """Drop, duplicate and swap lines that carry a responsibility note (measures)."""
    out: list[str] = []
    for line in lines:
        carries = any(parse_note(m.group(1)) for m in NOTE.finditer(line))
        if not carries:
            out.append(line)
            continue
        roll = rng.random()
        if roll < 0.12:
            continue                                            # dropped
        out.append(line)
        if roll > 0.90:
            out.append(QUANTITY.sub(lambda m: scale(m.group(1), 1.7), line))   # a second, similar measure
    for i in range(1, len(out)):
        if rng.random() < 0.08 and NOTE.search(out[i]) and NOTE.search(out[i - 1]) \
                and _number_of(out[i]) is None and _number_of(out[i - 1]) is None:
            out[i - 1], out[i] = out[i], out[i - 1]
    return out


def _number_of(line: str) -> str | None:
    m = re.match(r"\s*([（(][一二三四五六七八九十]+[）)]|\d+[.．、]|[一二三四五六七八九十]+、)", line)
    return m.group(1) if m else None


# ---------------------------------------------------------------- a document


@dataclass
class Made:
    name: str
    title: str
    number: str
    place: str
    text: str


def make(index: int, seed: int, made: list[Made], areas, texts: dict[str, str],
         used_titles: set[str]) -> Made:
    rng = random.Random(seed * 1_000_003 + index)
    template = TEMPLATES[index % len(TEMPLATES)] if index < len(TEMPLATES) else rng.choice(TEMPLATES)
    target = pick_place(template, rng, areas)
    shift = rng.randint(-2, 3)
    factor = rng.choice((0.5, 0.8, 1.2, 1.5, 2, 3))

    def scale(value: str, extra: float = 1.0) -> str:
        number = float(value) * factor * extra
        return f"{number:.1f}" if "." in value else str(max(1, round(number)))

    text = texts[template.file]
    if template.heading:
        text = text.replace(template.heading, template.heading.replace("\n", ""), 1)
    mapping = place_map(template, target, areas)
    # county units: a 县 or 区 writes 县发展改革局 / 区科技局, a county-level 市 keeps 市
    text = replace_all(text, mapping)
    if template.level == "县" and target[-1] in "县区":
        text = re.sub(rf"(?<![{_CJK}])市(?=[{_CJK}]{{1,10}}(?:局|委|办|院|中心|部|联))(?!场)", target[-1], text)
    text = vary_units(text, template, rng)
    text = YEAR.sub(lambda m: str(int(m.group(1)) + shift), text)
    text = QUANTITY.sub(lambda m: scale(m.group(1)), text)
    text = NUMBER_SERIAL.sub(lambda m: f"{m.group(1)}{rng.randint(1, 260)}{m.group(3)}", text)

    issuer = replace_all(template.issuer, mapping)
    year, month, day = template.date.split("-")
    year = str(int(year) + shift)
    old_date = f"{year}年{int(month)}月{int(day)}日"       # as the text writes it, its year already moved
    month, day = f"{rng.randint(1, 12)}", f"{rng.randint(1, 28)}"
    if template.title is None:
        # the text carries its own header: its date moves too, or two documents made from one
        # template for one place would share issuer, title and date — one document, twice
        text = text.replace(old_date, f"{year}年{month}月{day}日", 1)
    if template.number:
        number = re.search(r"[^\s（(]*〔\d{4}〕\d+号", text).group(0)      # the header's, renumbered above
    else:
        head = PROVINCE_ABBR.get(target, "") if template.level == "省" else (
            "国" if template.level == "国家" else short(target)[0])
        number = f"{head}政发〔{year}〕{rng.randint(1, 260)}号"
    lines = text.splitlines()
    if template.notes:
        lines = relayout(lines, rng.choice(STYLES + (None, None)))
    lines = vary_records(lines, rng, scale)
    text = "\n".join(lines) + "\n"

    title = _title(template, text, mapping, shift)
    new_title = title
    for suffix in ("", "（试行）", "（修订）", "（2版）", "（3版）", "（4版）", "（5版）"):
        new_title = _with_suffix(title, suffix)
        if new_title not in used_titles:
            break
    else:
        new_title = _with_suffix(title, f"（第{index}号）")
    if new_title != title:
        text = text.replace(title, new_title)
    used_titles.add(new_title)

    cite = _cited(made, target, areas, rng)
    if cite is not None:
        text = _add_citation(text, cite)
    if template.title is not None:
        text = _header(issuer, number, year, month, day, new_title) + text
    name = f"gen_{index:05d}.txt"
    return Made(name=name, title=new_title, number=number, place=target, text=text)


def _title(template: Template, text: str, mapping: dict[str, str], shift: int) -> str:
    if template.title is not None:
        title = replace_all(template.title, mapping)
        return YEAR.sub(lambda m: str(int(m.group(1)) + shift), title)
    # the template's header names its title inside 《…》 ("关于印发《…》的通知") or as its first line
    head = "\n".join(text.splitlines()[:12])
    m = re.search(r"关于印发《(.+?)》的通知", head.replace("\n", ""))
    if m:
        return m.group(1)
    for line in text.splitlines():
        if line.strip() and not line.strip().startswith(("【", "原文链接")):
            return line.strip()
    return text[:20]


def _with_suffix(title: str, suffix: str) -> str:
    return title + suffix if suffix else title


def _cited(made: list[Made], place: str, areas, rng: random.Random) -> Made | None:
    """An earlier document to cite: one of the parent jurisdiction if any, else any (a third of the time)."""
    if not made or rng.random() > 0.35:
        return None
    parents = set(chain(place, areas)[1:]) | {"全国"}
    upstream = [m for m in made[-400:] if m.place in parents]
    return rng.choice(upstream or made[-400:])


def _add_citation(text: str, cited: Made) -> str:
    """Cite ``cited`` by title and 文号 in the first paragraph that states a purpose (为…), or the first long one."""
    lines = text.splitlines()
    phrase = f"根据《{cited.title}》（{cited.number}）要求，"
    for i, line in enumerate(lines):
        stripped = line.lstrip("　 \t")
        if stripped.startswith("为") and len(stripped) > 30:
            lines[i] = line[: len(line) - len(stripped)] + phrase + stripped
            return "\n".join(lines) + "\n"
    for i, line in enumerate(lines):
        if len(line) > 60 and NOTE.search(line):
            lines[i] = line + phrase.rstrip("，") + "。"
            return "\n".join(lines) + "\n"
    return text


def _header(issuer: str, number: str, year: str, month: str, day: str, title: str) -> str:
    return (f"{issuer}关于印发《{title}》的通知\n{number}\n各有关单位：\n"
            f"　　《{title}》已经研究同意，现印发给你们，请认真贯彻执行。\n{issuer}\n{year}年{month}月{day}日\n"
            f"{title}\n")


def generate(count: int, out: str | Path, seed: int = 8) -> list[Path]:
    """Write ``count`` documents into ``out`` (created); return their paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    areas = jurisdictions()
    texts = {t.file: (SOURCES / t.file if (SOURCES / t.file).is_file() else TEXTS / t.file).read_text(encoding="utf-8")
             for t in TEMPLATES}
    made: list[Made] = []
    titles: set[str] = set()
    paths = []
    for index in range(count):
        doc = make(index, seed, made, areas, texts, titles)
        made.append(doc)
        path = out / doc.name
        path.write_text(doc.text, encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("count", type=int)
    p.add_argument("out")
    p.add_argument("--seed", type=int, default=8)
    args = p.parse_args(argv)
    paths = generate(args.count, args.out, args.seed)
    print(f"wrote {len(paths)} documents into {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
