"""Link each narrative measure to the attachment task(s) that carry it out.

The body of the policy says *what* (（一）提信心增预期。深化“数据得地”改革…),
the task list says *who and how* (（三）保障合理用地需求 …). We score every task
of the same pillar by the IDF-weighted overlap of jieba content tokens, add a
bonus when they share a responsible unit, and keep the three best as scored
candidates. The best is asserted; a runner-up is asserted only when it shares
a unit with the measure and scores at least ``ASSERT_SHARE`` of the best (tuned
by reading lines 23–27 against the table: e.g. 招投标 3-1 → tasks 12, 13, 14).
Pure function: tokens in, links out.
"""

from __future__ import annotations

import math
from collections import Counter

from .model import KeyTask, MeasureLink, NarrativeMeasure
from .nlp import tokens

MIN_SCORE = 1.0
UNIT_BONUS = 5.0
MAX_LINKS = 3
#: A runner-up is asserted when it shares a unit with the measure and scores this share of the best.
ASSERT_SHARE = 0.44


def task_tokens(task: KeyTask) -> set[str]:
    """Content tokens of a task: its title and every item, each cut on its own.

    Cutting items one by one (not their concatenation) keeps words from being
    glued across item boundaries, and reuses the cuts that topic tagging makes.
    """
    texts = [task.title] + [i.text for i in task.targets] + [i.text for i in task.measures]
    return {token for text in texts for token in tokens(text)}


def link_measures(narrative: tuple[NarrativeMeasure, ...], tasks: tuple[KeyTask, ...]) -> tuple[MeasureLink, ...]:
    """Links ranked by score; every narrative measure gets at least its best task."""
    by_task = {t.number: task_tokens(t) for t in tasks}
    df = Counter(tok for toks in by_task.values() for tok in toks)
    n = len(tasks)
    idf = {tok: math.log((n + 1) / (count + 0.5)) for tok, count in df.items()}
    links: list[MeasureLink] = []
    for measure in narrative:
        words = set(tokens(measure.text))
        units = set(measure.assignment.all_units)
        scored = []
        for task in tasks:
            if task.pillar != measure.pillar:
                continue
            shared = words & by_task[task.number]
            score = sum(idf[w] for w in shared)
            unit_shared = bool(units & set(task.assignment.all_units))
            if unit_shared:
                score += UNIT_BONUS
            scored.append((round(score, 3), task.number, tuple(sorted(shared, key=lambda w: (-idf[w], w))),
                           unit_shared))
        scored.sort(key=lambda s: (-s[0], s[1]))
        if not scored:
            continue
        best = scored[0][0]
        for rank, (score, number, shared, unit_shared) in enumerate(scored[:MAX_LINKS]):
            if score < MIN_SCORE and rank > 0:
                continue
            asserted = rank == 0 or (unit_shared and score >= ASSERT_SHARE * best)
            links.append(MeasureLink((measure.pillar, measure.ordinal), number, score, shared[:8], asserted))
    return tuple(links)


def topic_keys(extraction) -> dict[str, tuple[str, ...]]:
    """Topics for every measure, narrative measure and task, by record key.

    Keys: ``task:3``, ``measure:3:12``, ``narrative:1:2``. A task takes a topic
    when its title names it or at least two of its items do.
    """
    from .nlp import topic_slugs

    out: dict[str, tuple[str, ...]] = {}
    for task in extraction.tasks:
        counts: Counter[str] = Counter(topic_slugs(task.title))
        counts.update({slug: 2 for slug in topic_slugs(task.title)})
        for item in task.targets + task.measures:
            counts.update(topic_slugs(item.text))
        for measure in task.measures:
            out[f"measure:{task.number}:{measure.ordinal}"] = topic_slugs(measure.text)
        out[f"task:{task.number}"] = tuple(sorted(s for s, n in counts.items() if n >= 2))
    for measure in extraction.narrative:
        out[f"narrative:{measure.pillar}:{measure.ordinal}"] = topic_slugs(measure.text)
    return out


def unit_mentions(extraction) -> dict[str, tuple[str, ...]]:
    """Units each item, narrative measure and provision names in its text.

    Keys as in :func:`topic_keys`, plus ``target:3:1`` and ``provision:<line>``.
    """
    from .nlp import mentioned_units

    out: dict[str, tuple[str, ...]] = {}
    for task in extraction.tasks:
        for kind, items in (("target", task.targets), ("measure", task.measures)):
            for item in items:
                if found := mentioned_units(item.text):
                    out[f"{kind}:{task.number}:{item.ordinal}"] = found
    for measure in extraction.narrative:
        if found := mentioned_units(measure.text):
            out[f"narrative:{measure.pillar}:{measure.ordinal}"] = found
    for provision in extraction.provisions:
        if found := mentioned_units(provision.text):
            out[f"provision:{provision.span.start}"] = found
    return out
