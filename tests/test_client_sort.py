"""A SELECT's final ORDER BY done in Python (policykg.kg.result_order) gives SPARQL's / Oxigraph's order exactly.

Expected orders are read from SPARQL 1.1 §15.1 (ORDER BY): ascending, unbound < blank nodes < IRIs <
literals; numbers compare by value (``<`` on numerics), simple literals by code point (``<`` on strings,
i.e. str's ordering); DESC reverses. Where this module cannot be sure, it must decline (``None``) so
the engine orders.
"""

from __future__ import annotations

import pyoxigraph as ox
from hypothesis import given, settings
from hypothesis import strategies as st

from policykg.kg import store as kgstore
from policykg.kg.result_order import sort_fields, split_order

P = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"


def _store(triples) -> ox.Store:
    s = ox.Store()
    for subj, pred, obj in triples:
        s.add(ox.Quad(ox.NamedNode(P + subj), ox.NamedNode(P + pred), obj))
    return s


# ------------------------------------------------------------------ finding the clause on lexed text


def test_split_order_strips_only_the_final_clause():
    text = "SELECT ?a ?b WHERE { { SELECT ?a WHERE { ?a ?p ?b } ORDER BY ?a } ?a ?q ?b }\norder by ASC(?a) desc( ?b ) # end"
    stripped, keys = split_order(text)
    assert stripped == "SELECT ?a ?b WHERE { { SELECT ?a WHERE { ?a ?p ?b } ORDER BY ?a } ?a ?q ?b }\n"
    assert keys == [("a", False), ("b", True)]
    assert split_order("SELECT $x WHERE { ?x ?p ?o } ORDER BY $x")[1] == [("x", False)]


def test_split_order_declines():
    for text in [
        "SELECT ?a WHERE { ?a ?p ?b } ORDER BY ?a LIMIT 10",
        "SELECT ?a WHERE { ?a ?p ?b } ORDER BY ?a OFFSET 1",
        "SELECT ?a WHERE { ?a ?p ?b } ORDER BY STR(?a)",
        "SELECT ?a WHERE { ?a ?p ?b } ORDER BY DESC(?a + 1)",
        "SELECT ?a WHERE { ?a ?p ?b } ORDER BY (?a)",
        'SELECT ?a WHERE { ?a ?p "x } ORDER BY ?a" }',          # the clause inside a string
        "SELECT ?a WHERE { ?a ?p ?b } # ORDER BY ?a",           # inside a comment
        "SELECT ?a WHERE { ?a <http://x/ORDER BY ?a> ?b }",     # not an IRI's character, but no clause either
        "SELECT ?a WHERE { { SELECT ?a WHERE { ?a ?p ?b } ORDER BY ?a } }",   # only a sub-select's
        "SELECT REDUCED ?a WHERE { ?a ?p ?b } ORDER BY ?a",
        "CONSTRUCT { ?a ?p ?b } WHERE { ?a ?p ?b } ORDER BY ?a",
        "SELECT ?a WHERE { ?a ?p ?b } ORDER BY ?a VALUES ?a { <http://x> }",
        "SELECT ?a WHERE { ?a ?p '''unterminated",
    ]:
        assert split_order(text) is None, text


# ------------------------------------------------------------------ sorting TSV fields


def test_unbound_first_ascending_and_last_descending():
    rows = [['"b"'], [""], ['"a"']]
    assert sort_fields(rows, ["x"], [("x", False)]) == [[""], ['"a"'], ['"b"']]
    assert sort_fields(rows, ["x"], [("x", True)]) == [['"b"'], ['"a"'], [""]]


def test_numbers_by_value_strings_by_code_point_iris_by_text():
    nums = [["10"], ["2"], ["-1.5"], ['"3"^^<' + XSD + 'integer>'], ["2.25"]]
    assert [r[0] for r in sort_fields(nums, ["n"], [("n", False)])] == \
        ["-1.5", "2", "2.25", '"3"^^<' + XSD + 'integer>', "10"]
    strings = [['"中"'], ['"a"'], ['"é"'], ['"B"'], ['"a\\tb"'], ['"ab"']]
    # code points: B(0x42) < a(0x61) < "a\tb" < "ab" < é(0xE9) < 中(0x4E2D)
    assert [r[0] for r in sort_fields(strings, ["s"], [("s", False)])] == \
        ['"B"', '"a"', '"a\\tb"', '"ab"', '"é"', '"中"']
    iris = [["<http://b/1>"], ["<http://a/2>"], ["<http://a/10>"]]
    assert sort_fields(iris, ["i"], [("i", True)]) == [["<http://b/1>"], ["<http://a/2>"], ["<http://a/10>"]]


def test_several_keys_and_ties():
    rows = [['"x"', "2", "<http://r/1>"], ['"w"', "5", "<http://r/2>"], ['"x"', "7", "<http://r/3>"],
            ['"w"', "5", "<http://r/2>"]]
    got = sort_fields(rows, ["a", "n", "r"], [("a", False), ("n", True)])
    # ?a ascending, then ?n descending; the two equal rows tie and are the same row
    assert got == [['"w"', "5", "<http://r/2>"], ['"w"', "5", "<http://r/2>"],
                   ['"x"', "7", "<http://r/3>"], ['"x"', "2", "<http://r/1>"]]
    # a tie between rows that differ elsewhere: SPARQL leaves it open; the rows' text decides (always the same)
    assert sort_fields([['"x"', "<http://r/2>"], ['"x"', "<http://r/1>"]], ["a", "r"], [("a", False)]) == \
        [['"x"', "<http://r/1>"], ['"x"', "<http://r/2>"]]
    # 1 and 1.0 are equal as numbers: a tie too, "1" before "1.0" as text
    assert sort_fields([["1.0", '"q"'], ["1", '"p"']], ["n", "s"], [("n", False)]) == [["1", '"p"'], ["1.0", '"q"']]


def test_declines_kinds_it_does_not_order_exactly():
    for column in (
        [['"a"@zh'], ['"b"@zh']],                                 # language-tagged strings
        [['"a"'], ["<http://a>"]],                                # two kinds in one column
        [['"a"'], ["1"]],
        [["true"], ["false"]],                                    # booleans
        [["1.0E2"], ["3.5E0"]],                                   # doubles
        [['"2024-01-01"^^<' + XSD + 'date>'], ['"2023-01-01"^^<' + XSD + 'date>']],
        [["_:b1"], ["_:b0"]],                                     # blank nodes
    ):
        assert sort_fields(column, ["x"], [("x", False)]) is None, column
    assert sort_fields([['"a"']], ["x"], [("y", False)]) is None  # a key not among the columns


# ------------------------------------------------------------------ answer() as a whole


def test_answer_orders_as_the_spec_says():
    s = _store([("t1", "n", ox.Literal("10", datatype=ox.NamedNode(XSD + "integer"))),
                ("t2", "n", ox.Literal("9", datatype=ox.NamedNode(XSD + "integer"))),
                ("t3", "n", ox.Literal("10", datatype=ox.NamedNode(XSD + "integer"))),
                ("t1", "name", ox.Literal("b")), ("t3", "name", ox.Literal("a")), ("t4", "name", ox.Literal("c"))])
    text = (f"SELECT ?t ?n ?name WHERE {{ ?t <{P}name>|<{P}n> [] OPTIONAL {{ ?t <{P}n> ?n }} "
            f"OPTIONAL {{ ?t <{P}name> ?name }} }} GROUP BY ?t ?n ?name ORDER BY DESC(?n) ?name")
    got = kgstore.answer(s, text)
    assert got.columns == ["t", "n", "name"]
    # DESC(?n): 10, 10, 9, unbound last; the two 10s by ?name ascending (a < b)
    assert got.rows == [[P + "t3", 10, "a"], [P + "t1", 10, "b"], [P + "t2", 9, ""], [P + "t4", "", "c"]]


def test_answer_falls_back_for_language_tags():
    s = _store([("a", "l", ox.Literal("b", language="en")), ("b", "l", ox.Literal("a", language="en"))])
    text = f"SELECT ?x ?l WHERE {{ ?x <{P}l> ?l }} ORDER BY ?l"
    assert kgstore.answer(s, text).rows == [[P + "b", "a"], [P + "a", "b"]]


_VALUES = st.one_of(
    st.integers(-5, 5).map(lambda n: ox.Literal(str(n), datatype=ox.NamedNode(XSD + "integer"))),
    st.sampled_from(["0.5", "-2.25", "3.0"]).map(lambda n: ox.Literal(n, datatype=ox.NamedNode(XSD + "decimal"))),
    st.text(alphabet="aAbé中\t\"\\ ", max_size=3).map(ox.Literal),
    st.sampled_from(["a", "b"]).map(lambda v: ox.Literal(v, language="zh")),
    st.sampled_from(["x", "y", "z"]).map(lambda v: ox.NamedNode(P + v)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.sampled_from(["p", "q", "r"]), _VALUES), max_size=25),
       st.lists(st.tuples(st.sampled_from(["s", "p1", "q1", "r1"]), st.booleans()), min_size=1, max_size=3),
       st.booleans())
def test_answer_equals_the_engines_order(triples, keys, distinct):
    s = _store([(f"s{n}", pred, obj) for n, pred, obj in triples])
    clause = " ".join(f"DESC(?{v})" if desc else f"?{v}" for v, desc in keys)
    text = (f"SELECT {'DISTINCT ' if distinct else ''}?s ?p1 ?q1 ?r1 WHERE {{ ?s ?any [] "
            f"OPTIONAL {{ ?s <{P}p> ?p1 }} OPTIONAL {{ ?s <{P}q> ?q1 }} OPTIONAL {{ ?s <{P}r> ?r1 }} }} "
            f"ORDER BY {clause}")
    engine = kgstore.execute(s, text, plain_rows=True)[2]         # the engine's own ORDER BY
    got = kgstore.answer(s, text).rows
    # the same rows, in the engine's order of the keys (rows tying on every key: in an order SPARQL leaves open)
    assert sorted(map(repr, got)) == sorted(map(repr, engine))
    at = [["s", "p1", "q1", "r1"].index(v) for v, _ in keys]
    assert [[row[i] for i in at] for row in got] == [[row[i] for i in at] for row in engine]
    assert kgstore.answer(s, text).rows == got                   # and the same order every time


def test_split_order_declines_a_key_not_projected():
    assert split_order("SELECT ?a WHERE { ?a ?p ?b } ORDER BY ?b") is None
    assert split_order("SELECT ?a (STR(?b) AS ?c) WHERE { ?a ?p ?b } ORDER BY ?b") is None
    assert split_order("SELECT ?a (STR(?b) AS ?c) WHERE { ?a ?p ?b } ORDER BY DESC(?c) ?a")[1] == \
        [("c", True), ("a", False)]
    assert split_order("SELECT * { ?a ?p ?b } ORDER BY ?b")[1] == [("b", False)]      # decided on the answer
