"""Link each narrative measure to the attachment task(s) that carry it out.

The body of the policy says *what* (（一）提信心增预期。深化“数据得地”改革…),
the task list says *who and how* (（三）保障合理用地需求 …). The rule, in full
(evaluated against ``tests/gold/narrative_links.json``, a gold read by eye):

1. **Words.** A text's content words are jieba's search-mode cut (a compound
   such as ``科技攻关`` also yields ``科技`` and ``攻关``), two characters or more,
   not stopwords (``lexicon/stopwords.txt``), not numbers. A task's words are those
   of its title, targets and measures, each item cut on its own.
2. **Weights.** A word weighs its inverse document frequency over the tasks of
   the task list, ``log((n + 1) / (df + 0.5))``: a word of one task weighs most,
   a word of every task little.
3. **Sentences.** A narrative measure is split into sentences at 。 and ；. A
   sentence's *coverage* by a task is the weight of the words they share divided
   by the weight of the sentence's words that occur in any task at all (words
   that no task uses cannot be matched, so they do not count against a task).
4. **Restated clauses.** A sentence may list several actions, one per clause
   (split at ，): 3-1 of the seed is one sentence of four — 常态化实施…专项整治，
   实行…“五色清单”…，全面推行招标文件示范文本应用，探索推进服务类项目“评定分离” —
   carried out by three tasks (13, 12, 14). A task that does one of them covers
   little of the whole sentence, but one of its items (its title, a target, a
   measure) *restates* the clause: the clause's words are mostly the item's and
   the item's mostly the clause's. The *restatement* of a clause by an item is the
   lesser of the two shares (the weight of the words they share over the clause's
   words, and over the item's). Taking the lesser keeps a short clause of general
   words (助力打造一流营商环境) from matching a long item that merely contains them,
   and an item that says much more than the clause from counting as saying it.
5. **Score.** A task's score for the measure (``pkg:linkScore``, 0 to 1) is the
   best, over the measure's sentences and their clauses, of its coverage of a
   sentence and its best item's restatement of a clause, among the tasks of the
   same pillar. A measure of several sentences or actions can so be carried out
   by several tasks (REITs, the second sentence of 2-1, is task 10's; the first,
   task 7's; the 示范文本 clause of 3-1 is task 12's).
6. **Asserted** (``pkg:carriedOutBy``): every candidate whose score is at least
   :data:`ASSERT_SCORE`, and the best candidate of each measure whatever its
   score — so a higher-scored candidate is never left unasserted while a lower
   one is asserted. Ties are broken by the task number.
7. **Candidates** (``pkg:hasTaskLink``, kept for an analyst to judge): the
   asserted links and the next best, :data:`MAX_LINKS` per measure at least,
   each scoring at least :data:`MIN_SCORE`.

Shared responsible units are *not* part of the score: a unit such as 市发改局
is on half the tasks, and counting it asserted links that share no words
(5-2 → tasks 26, 27 through 市市场监管局). The units of a linked task are in
``narrative_unit_roles``. Pure function: tokens in, links out.

Against the gold (25 links of 16 measures) the asserted links have precision
0.96 and recall 1.00 (sentences alone, before rule 4: 0.96 and 0.92; words
of the whole measure, before rule 3: 0.84 and 0.84). The one link the gold
does not list is 3-2 → task 13, whose measure item 营造公平市场竞争环境 restates
the last clause but one of 3-2 word for word.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

from policykg.model import KeyTask, MeasureLink, NarrativeMeasure, TaskList
from policykg.ingest.nlp import is_content_token, tokenizer

#: A candidate at or above this score is asserted (the best candidate always is).
ASSERT_SCORE = 0.35
#: Candidates below this score are not kept (the best candidate always is).
MIN_SCORE = 0.1
#: Candidates kept per measure, asserted ones included (more when more are asserted).
MAX_LINKS = 3
#: Shared terms kept per link, heaviest first (a word inside a longer shared word is left out).
MAX_TERMS = 8
_SENTENCE_END = re.compile(r"(?<=[。；])")
_CLAUSE_END = re.compile(r"(?<=[，,])")
_UNITS_NOTE = re.compile(r"（责任单位[:：][^（）]*）")


@lru_cache(maxsize=4096)
def words(text: str) -> frozenset[str]:
    """Content words of ``text``: jieba's search-mode cut, filtered as :func:`.nlp.tokens` filters.

    >>> sorted(words("重大科技攻关"))
    ['攻关', '科技', '科技攻关', '重大']
    """
    return frozenset(t for t in tokenizer().lcut_for_search(text, HMM=False) if is_content_token(t))


def sentences(text: str) -> list[str]:
    """The sentences of a narrative measure (at 。 and ；), its （责任单位：…） note left out."""
    return [s for s in _SENTENCE_END.split(_UNITS_NOTE.sub("", text)) if s.strip()]


def clauses(sentence: str) -> list[str]:
    """The clauses of a sentence, split at ，: one action each in a list of actions.

    >>> clauses("全面推行示范文本应用，探索推进“评定分离”。")
    ['全面推行示范文本应用，', '探索推进“评定分离”。']
    """
    return [c for c in _CLAUSE_END.split(sentence) if c.strip()]


def item_texts(task: KeyTask) -> list[str]:
    """A task's title, targets and measures: what a clause of a measure may restate."""
    return [task.title] + [i.text for i in task.targets] + [i.text for i in task.measures]


def task_tokens(task: KeyTask) -> set[str]:
    """Content words of a task: its title and every item, each cut on its own.

    Cutting items one by one (not their concatenation) keeps words from being
    glued across item boundaries.
    """
    return {token for text in item_texts(task) for token in words(text)}


def link_measures(narrative: tuple[NarrativeMeasure, ...], tasks: tuple[KeyTask, ...]) -> tuple[MeasureLink, ...]:
    """Links ranked by score; every narrative measure gets at least its best task (see the module's rule)."""
    items = {t.number: [words(text) for text in item_texts(t)] for t in tasks}
    by_task = {number: frozenset().union(*its) for number, its in items.items()}
    df = Counter(tok for toks in by_task.values() for tok in toks)
    n = len(tasks)
    idf = {tok: math.log((n + 1) / (count + 0.5)) for tok, count in df.items()}
    links: list[MeasureLink] = []
    for measure in narrative:
        same_pillar = [t.number for t in tasks if t.pillar == measure.pillar]
        best_of = _evidence(measure, same_pillar, by_task, items, idf)
        scored = sorted(((round(cov, 3), number, shared) for number, (cov, shared) in best_of.items()),
                        key=lambda s: (-s[0], s[1]))
        if not scored:
            continue
        n_asserted = sum(1 for rank, s in enumerate(scored) if rank == 0 or s[0] >= ASSERT_SCORE)
        for rank, (score, number, shared) in enumerate(scored):
            asserted = rank == 0 or score >= ASSERT_SCORE
            if not asserted and (rank >= max(MAX_LINKS, n_asserted) or score < MIN_SCORE):
                break
            whole = [w for w in shared if not any(w != other and w in other for other in shared)]
            terms = tuple(sorted(whole, key=lambda w: (-idf[w], w)))[:MAX_TERMS]
            links.append(MeasureLink((measure.pillar, measure.ordinal), number, score, terms, asserted))
    return tuple(links)


def _evidence(measure: NarrativeMeasure, numbers: list[int], by_task: dict[int, frozenset[str]],
              items: dict[int, list[frozenset[str]]], idf: dict[str, float]) -> dict[int, tuple[float, frozenset[str]]]:
    """Each task's best evidence for ``measure`` (rules 3 to 5): a score and the words it rests on."""
    best: dict[int, tuple[float, frozenset[str]]] = {}

    def weight(found) -> float:
        return sum(idf[w] for w in found)

    def keep(number: int, score: float, shared: frozenset[str]) -> None:
        if score > best.get(number, (-1.0, frozenset()))[0]:
            best[number] = (score, shared)

    for sentence in sentences(measure.text):
        matchable = frozenset(w for w in words(sentence) if w in idf)
        if not matchable:
            continue
        for number in numbers:                       # rule 3: the task's coverage of the sentence
            shared = matchable & by_task[number]
            keep(number, weight(shared) / weight(matchable), shared)
        for clause in clauses(sentence):             # rule 4: an item that restates a clause
            said = frozenset(w for w in words(clause) if w in idf)
            for number in numbers:
                for item in items[number]:
                    if shared := said & item:
                        keep(number, weight(shared) / max(weight(said), weight(item)), shared)
    return best


def topic_keys(extraction) -> dict[str, tuple[str, ...]]:
    """Topics for every measure, narrative measure and task, by record key.

    Keys: ``task:3``, ``measure:3:12``, ``narrative:1:2``. A task takes a topic
    when its title names it or at least two of its items do.
    """
    from policykg.ingest.nlp import topic_slugs

    task_list = extraction.task_list or TaskList()
    out: dict[str, tuple[str, ...]] = {}
    for task in task_list.tasks:
        counts: Counter[str] = Counter(topic_slugs(task.title))
        counts.update({slug: 2 for slug in topic_slugs(task.title)})
        for item in task.targets + task.measures:
            counts.update(topic_slugs(item.text))
        for measure in task.measures:
            out[f"measure:{task.number}:{measure.ordinal}"] = topic_slugs(measure.text)
        out[f"task:{task.number}"] = tuple(sorted(s for s, n in counts.items() if n >= 2))
    for measure in task_list.narrative:
        out[f"narrative:{measure.pillar}:{measure.ordinal}"] = topic_slugs(measure.text)
    return out


def unit_mentions(extraction) -> dict[str, tuple[str, ...]]:
    """Units each item, narrative measure and provision names in its text.

    Keys as in :func:`topic_keys`, plus ``target:3:1`` and ``provision:<line>``.
    """
    from policykg.ingest.nlp import mentioned_units

    task_list = extraction.task_list or TaskList()
    out: dict[str, tuple[str, ...]] = {}
    for task in task_list.tasks:
        for kind, items in (("target", task.targets), ("measure", task.measures)):
            for item in items:
                if found := mentioned_units(item.text):
                    out[f"{kind}:{task.number}:{item.ordinal}"] = found
    for measure in task_list.narrative:
        if found := mentioned_units(measure.text):
            out[f"narrative:{measure.pillar}:{measure.ordinal}"] = found
    for provision in extraction.provisions:
        if found := mentioned_units(provision.text):
            out[f"provision:{provision.span.start}"] = found
    return out
