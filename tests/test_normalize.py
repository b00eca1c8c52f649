"""normalise: units, persons, phases."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policykg.ingest.normalize import (
    UNCLASSIFIED,
    canonical_unit,
    collect_units,
    parse_phase,
    person_name,
)


@pytest.mark.parametrize("text,start,end,ongoing", [
    ("2023-2027年", 2023, 2027, False), ("2023-\n2025年", 2023, 2025, False), ("长期实施", None, None, True),
])
def test_normalize_phase(text, start, end, ongoing):
    phase = parse_phase(text)
    assert (phase.start_year, phase.end_year, phase.ongoing) == (start, end, ongoing)


@given(st.sampled_from(["叶茹", "周晓", "林锋", "王旭勇"]), st.lists(st.sampled_from([" ", "\u3000", "\t"]),
                                                                    min_size=0, max_size=4))
def test_normalize_person_removes_any_padding(name, pads):
    padded = name[0] + "".join(pads) + name[1:]
    assert person_name(padded) == name


def test_normalize_units_have_one_identity_and_a_type(extraction):
    units = collect_units(extraction)
    assert len(units) == 42
    assert units["市发改局"].full_name == "乐清市发展和改革局"
    assert all(u.unit_type != UNCLASSIFIED for u in units.values())
    assert units["市检察院"].unit_type == "judicial-organ"
    assert units["市国有资本运营集团"].unit_type == "state-owned-enterprise"


def test_normalize_alias_maps_to_the_canonical_unit():
    assert canonical_unit("乐清市发展和改革局", "乐清市").key == "市发改局"
    unknown = canonical_unit("市未知组织", "乐清市")
    assert (unknown.key, unknown.unit_type) == ("市未知组织", UNCLASSIFIED)
    assert canonical_unit("市未知局", "乐清市").unit_type == "government-department"   # by the name grammar


def test_normalize_lexicon_is_scoped_by_jurisdiction():
    """市发改局 of a 济南 document is not 乐清's: no 乐清 label, full name or type from its row."""
    jinan = canonical_unit("市发改局", "济南市")
    assert (jinan.label, jinan.full_name, jinan.in_lexicon) == ("市发改局", "济南市发展和改革局", False)
    assert canonical_unit("乐清市发展和改革局", "济南市").key == "乐清市发展和改革局"


def test_normalize_aliases_merge_inside_one_jurisdiction_only():
    """市发改委 / 市发展改革委 / 济南市发展和改革委员会 are one body of 济南; 市发改委 of 青岛 is another."""
    from policykg.kg.iri import Minter
    from policykg.model import DocumentHeader
    keys = {canonical_unit(n, "济南市").key for n in ("市发改委", "市发展改革委", "济南市发展和改革委员会")}
    assert keys == {"市发展和改革委员会"}
    assert canonical_unit("市发改委", "济南市").full_name == "济南市发展和改革委员会"

    def unit_iri(issuer):
        header = DocumentHeader(issuer=issuer, notice_title="", title="t", issued=None, recipients="",
                                approval=None, publicity=None, attachment_title=None, implements=())
        return Minter(header).unit(canonical_unit("市发改委", issuer[:3]).key)
    assert unit_iri("济南市人民政府") != unit_iri("青岛市人民政府")
