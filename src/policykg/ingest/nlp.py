"""jieba, set up once and quietly, as the pipeline's Chinese-language assistant.

What it does for us:

* a user dictionary of every unit name in ``lexicon/units.tsv`` tagged ``nt``
  (organisation), so ``市经信局`` stays one token instead of ``市经/信局``;
* person-name recognition (``nr``) for leader cells written on one line;
* topic tagging: a measure is about 金融 when its tokens meet that topic's
  keywords in ``lexicon/topics.ttl`` (keywords are added to the dictionary too);
* content tokens for the token-overlap linking of narrative measures to tasks;
* organisation tagging: the units a measure or provision names in its text
  (``下设办公室在市发改局``), told apart from other cities' bodies by the place
  name written before them.

We use a private ``jieba.Tokenizer`` (never the global one) whose cache lives
in the system temp dir; its loading messages go to a logger we silence.
"""

from __future__ import annotations

import logging
import re
import tempfile
import warnings
from functools import lru_cache

from policykg.ingest.lexicon import place_names, stopwords, topics, unit_entries

_CJK_OR_LATIN = re.compile(r"[\u4e00-\u9fffA-Za-z]")


@lru_cache(maxsize=1)
def tokenizer():
    """The project's jieba tokenizer with unit names and topic keywords loaded."""
    logging.getLogger("jieba").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import jieba
    jieba.setLogLevel(logging.ERROR)
    tk = jieba.Tokenizer()
    tk.tmp_dir = tempfile.gettempdir()
    tk.initialize()
    for name in sorted(unit_entries()):
        tk.add_word(name, freq=2000, tag="nt")
    for topic in topics():
        for word in topic.keywords:
            tk.add_word(word, freq=1000)
    return tk


@lru_cache(maxsize=1)
def _pos_tokenizer():
    import jieba.posseg
    return jieba.posseg.POSTokenizer(tokenizer())


@lru_cache(maxsize=4096)
def _cut(text: str) -> tuple[str, ...]:
    """Segment once per distinct text: linking and topic tagging read the same items.

    HMM is off: the user dictionary carries the words that matter here (units,
    topic keywords), and new-word discovery would only add noise to overlaps.
    """
    return tuple(tokenizer().lcut(text, HMM=False))


def tokens(text: str) -> list[str]:
    """Content tokens: two characters or more, not stopwords, not numbers.

    >>> "市经信局" in tokens("责任单位：市经信局")
    True
    """
    return [t for t in _cut(text) if is_content_token(t)]


def is_content_token(token: str) -> bool:
    """Two characters or more, not a stopword (``lexicon/stopwords.txt``), not a number.

    >>> is_content_token("科技"), is_content_token("推进"), is_content_token("2023")
    (True, False, False)
    """
    return len(token) >= 2 and token not in stopwords() and _CJK_OR_LATIN.search(token) is not None


#: jieba's HMM tagger costs quadratic time on long runs: never on more than this.
MAX_PERSON_TEXT = 64


def person_names(text: str) -> list[str]:
    """Person names (``nr``) in a short line such as ``陈宋淼 林良卡`` (longer text: none)."""
    if len(text) > MAX_PERSON_TEXT:
        return []
    return [w.word for w in _pos_tokenizer().lcut(text) if w.flag == "nr"]


def mentioned_units(text: str) -> tuple[str, ...]:
    """Canonical names of the units a sentence names, in order, each once.

    The user dictionary makes every unit name one token. A name written right
    after a place name belongs to another jurisdiction (``温州市市场监管局`` cuts
    as ``温州`` + ``市市场监管局``): ``lexicon/places.tsv`` says so, and it is not
    ours. (jieba's ``ns`` tag would tell too, but loading its tag dictionary
    costs 0.4 s, a third of the build.)

    >>> mentioned_units("积极沟通省、温州市市场监管局，下设办公室在市发改局")
    ('市发改局',)
    """
    entries = unit_entries()
    found: list[str] = []
    offset = 0
    for token in _cut(text):
        start = text.find(token, offset)
        offset = start + len(token)
        entry = entries.get(token)
        if entry is None or entry.name in found or _after_place_name(text[max(0, start - 6):start]):
            continue
        found.append(entry.name)
    return tuple(found)


def _after_place_name(before: str) -> bool:
    """True when ``before`` ends with a place name of ``lexicon/places.tsv`` (温州, 浙江 …)."""
    return any(before.endswith(place) for place in place_names())


def topic_slugs(text: str) -> tuple[str, ...]:
    """Topics whose keywords occur among the tokens of ``text``, in slug order."""
    words = set(_cut(text))
    return tuple(t.slug for t in topics() if words.intersection(t.keywords))
