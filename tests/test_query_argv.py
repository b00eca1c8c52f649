"""The argparse-free reader of ``policykg query`` agrees with argparse whenever it answers (issue 7).

The reference is the real parser of :mod:`policykg.cli.parser`; command lines
are drawn from the options, their values and the tokens that trip parsers up
(``--``, ``-x``, ``--format=csv``, abbreviations, negative numbers, empty strings).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policykg.cli.parser import parser
from policykg.cli.options import QUERY_OPTIONS
from policykg.cli.argv import read_query_argv

FORMATS = next(o.choices for o in QUERY_OPTIONS if o.dest == "format")

TOKENS = ["--format", "--graph", "--doc", "--param", "--timeout", "--excel", "-e", "--expr", "--help", "-h",
          "--", "-x", "--form", "--format=csv", "--exc", "-ekey_tasks", "--unknown", "-1", "-0.5",
          "csv", "json", "xml", "table", "nt", "key_tasks", "shared_responsibilities", "my.rq", "dir/x.rq",
          "", " ", "topic=金融", "a=b=c", "30", "0.5", "1e3", "nan", "inf", "abc", "graph/store",
          "1e308", "86400", "86401", "0", "1e-300", "NaN", "Infinity", "1_000", " 5 ",   # --timeout's edges
          "000_4cdbba2a142b4d11", "SELECT * WHERE { ?s ?p ?o }", "-x y", "市财政局"]


def argparse_reading(argv: list[str]) -> dict | None:
    """What argparse makes of ``argv``: its options, or None when it exits (a usage error or --help)."""
    try:
        namespace = parser("query").parse_args(argv)
    except SystemExit:
        return None
    return vars(namespace)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=7))
def test_whenever_the_reader_answers_argparse_answers_the_same(tail):
    argv = ["query", *tail]
    ours = read_query_argv(argv)
    if ours is None:
        return                                   # argparse decides: nothing to compare
    expected = argparse_reading(argv)
    assert expected is not None, f"the reader accepted what argparse refuses: {argv}"
    assert repr(vars(ours)) == repr(expected), argv       # repr: --timeout nan is nan on both sides, nan != nan


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=7))
def test_reader_never_crashes(tail):
    read_query_argv(["query", *tail])


@pytest.mark.parametrize("argv", [
    ["query", "shared_responsibilities", "--format", "csv"],
    ["query", "key_tasks"],
    ["query", "--format", "json", "tasks_on_topic", "--param", "topic=金融", "--param", "x=y"],
    ["query", "-e", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--graph", "graph/store", "--timeout", "5"],
    ["query", "responsibilities", "--doc", "000_4cdbba2a142b4d11", "--excel", "--format", "csv"],
])
def test_the_plain_forms_are_read_without_argparse_and_as_argparse_reads_them(argv):
    ours = read_query_argv(argv)
    assert ours is not None, argv
    assert vars(ours) == argparse_reading(argv)


@pytest.mark.parametrize("argv", [
    ["query", "--timeout", "inf"], ["query", "--timeout", "1e308"], ["query", "--timeout", "nan"],
    ["query", "--timeout", "86401"], ["query", "--timeout", "0"],
    ["query", "--help"], ["query", "key_tasks", "--format=csv"], ["query", "key_tasks", "--form", "csv"],
    ["query", "key_tasks", "--format", "xml"], ["query", "a", "b"], ["query", "--timeout", "soon"],
    ["query", "--graph"], ["query", "--doc", "--excel"], ["queries"], ["build"], [],
])
def test_anything_else_goes_to_argparse(argv):
    assert read_query_argv(argv) is None


#: A value argparse and the plain reader both accept, for each kind of option that takes one.
VALID = {"text": "x", "repeat": "topic=金融", "seconds": "5"}


def test_the_option_table_drives_both_readers():
    """Every option of ``QUERY_OPTIONS`` is argparse's too — flags, default, choices, help — and argparse has no
    other; the plain reader starts from the same defaults and reads every option as argparse does."""
    command = parser("query")._subparsers._group_actions[0].choices["query"]
    actions = {a.dest: a for a in command._actions if a.dest != "help"}
    assert list(actions) == [o.dest for o in QUERY_OPTIONS]
    for option in QUERY_OPTIONS:
        action = actions[option.dest]
        assert tuple(action.option_strings) == (() if option.kind == "positional" else option.flags)
        assert action.default == (list(option.default) if option.kind == "repeat" else option.default)
        assert (action.choices, action.help, action.metavar) == (option.choices, option.help, option.metavar)
    assert repr(vars(read_query_argv(["query"]))) == repr(argparse_reading(["query"]))
    for option in QUERY_OPTIONS:
        if option.kind == "positional":
            continue
        value = [] if option.kind == "flag" else [option.choices[-1] if option.choices else VALID[option.kind]]
        for flag in option.flags:
            argv = ["query", "key_tasks", flag, *value]
            ours = read_query_argv(argv)
            assert ours is not None and getattr(ours, option.dest) != argparse_reading(["query"])[option.dest]
            assert repr(vars(ours)) == repr(argparse_reading(argv)), argv


def test_format_choices_match_the_parser():
    action = next(a for a in parser("query")._subparsers._group_actions[0].choices["query"]._actions
                  if a.dest == "format")
    assert tuple(action.choices) == FORMATS


@pytest.mark.parametrize("value", ["inf", "1e308", "nan", "86401", "0"])
def test_timeouts_without_a_limit_are_refused_by_both(value):
    """The reader hands them to argparse, and argparse refuses them (one line, exit 2)."""
    assert read_query_argv(["query", "key_tasks", "--timeout", value]) is None
    assert argparse_reading(["query", "key_tasks", "--timeout", value]) is None
