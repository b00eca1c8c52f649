"""Deadlines as written, with an end date only where a year is known."""

from __future__ import annotations

import random
import time
from datetime import date

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from policykg.ingest.extract.deadlines import end_date, find_deadline
from policykg.model import Deadline


@pytest.mark.parametrize("text,note,year,written,end", [
    # the note's own time limit wins (01 Baotou)
    ("到2025年完成。", "6月底完成", 2022, "6月底完成", date(2022, 6, 30)),
    ("", "5月底取得明显成效并持续推进", 2022, "5月底取得明显成效并持续推进", date(2022, 5, 31)),
    ("", "11月份取得明显成效", 2022, "11月份取得明显成效", date(2022, 11, 30)),
    ("", "持续优化", 2022, "持续优化", None),
    # inline (13 Jinan, 18 Shandong, 11 Shandong with garbled years, 05 State Council)
    ("打造高地。到2023年，服务器产能达到50万台。", None, 2021, "到2023年", date(2023, 12, 31)),
    ("力争到2025年，全省软件业务收入达到14000亿元。", None, 2023, "到2025年", date(2025, 12, 31)),
    ("0402年启动试点活动。0403年底前建设完成省级平台。", None, 2021, "0403年底前", None),
    ("0402年组织开展“境外百展”市场开拓计划。", None, 2021, "0402年", None),
    ("各省级人民政府要在本意见印发之日起30日内，制定出台具体实施办法。", None, 2018,
     "本意见印发之日起30日内", None),
    ("加快建设，2025年底前全面建成。", None, 2022, "2025年底前", date(2025, 12, 31)),
    ("年底前完成全部改造任务。", None, 2022, "年底前", date(2022, 12, 31)),
    ("7月底前完成项目前期手续。", None, 2022, "7月底前", date(2022, 7, 31)),
    ("加快推进，6月底完成。", None, 2022, "6月底完成", date(2022, 6, 30)),
    ("完善机制，持续推进。", None, 2022, "持续推进", None),
    ("强化保障，长期坚持。", None, 2022, "长期坚持", None),
    ("到2023年，建成平台；到2025年，全面推广。", None, 2021, "到2025年", date(2025, 12, 31)),
    ("二〇二三年六月底前完成。", None, None, "二〇二三年六月底前", date(2023, 6, 30)),
    ("２０２３年底前完成。", None, None, "２０２３年底前", date(2023, 12, 31)),
    ("6月底前完成。", None, None, "6月底前", None),
])
def test_deadlines_as_written(text, note, year, written, end):
    found = find_deadline(text, note, year)
    assert (found.text, found.end) == (written, end)
    assert found.kind == ("dated" if end else found.kind) and (end is None) == (found.kind != "dated")


@pytest.mark.parametrize("text", [
    "2019年1月1日至12月31日，返还失业保险费。",       # a validity period
    "从2019年1月1日起，实施三年百万青年见习计划。",
    "2019年1月1日至2020年12月31日，放宽申领条件。",
    "根据《行动方案（2021—2023年）》要求。",
    "建设节点，到2023年各节点全面接入。",               # 到 after a comma: a target's year (02, 18 gold)
    "持续推进数字化转型，加强服务。",                   # 持续推进 as an ordinary verb
    "2020年我省已建成平台。",                           # a past year is a fact
])
def test_deadlines_not_deadlines(text):
    assert find_deadline(text, None, 2021) is None


def test_deadlines_end_dates():
    assert end_date("2023年上半年", None) == date(2023, 6, 30)
    assert end_date("2023年2月底前", None) == date(2023, 2, 28)
    assert end_date("2023年13月", None) is None
    assert end_date("0400年底前", 2021) is None
    assert end_date("按进度推进", 2022) is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789０〇二年月日底末前到至内之日起本意见印发完成持续推进，。；—\n", max_size=200)
       | st.text(max_size=200), st.none() | st.integers(min_value=1, max_value=3000))
@example(text="年底前", year=1)             # a garbled document year: no year to read 年底 in
@example(text="明年底前", year=2100)         # a year past the last a due date may fall in
def test_deadlines_never_crash(text, year):
    found = find_deadline(text, None, year)
    if found is not None:
        assert found.text in text
        assert found.end is None or 1990 <= found.end.year <= 2100
    note = find_deadline("", text or None, year)
    assert note is None or note.text == text.strip()


def test_deadlines_linear_on_a_megabyte():
    rng = random.Random(6)
    text = "".join(rng.choice("0123456789年月底前到至，。本意见印发之日起内持续推进") for _ in range(1_000_000))
    def cost(sample: str) -> float:
        start = time.perf_counter()
        find_deadline(sample, None, 2022)
        return time.perf_counter() - start
    assert cost(text) < 4 * 3 * cost(text[:250_000]) + 0.1    # linear: a ratio measured in one run
    assert cost(text) < 10                                     # and no hang
