"""Records of running text: unbracketed notes read with the labels of the note grammar."""

from __future__ import annotations

import pytest

from policykg.ingest.extract.records import bare_note, is_heading
from policykg.ingest.readers import is_note
from policykg.ingest.readers.note_words import label_roles

LABELS = list(label_roles())


def test_records_every_label_of_the_grammar_is_known():
    assert len(LABELS) == 26 and {"实施单位", "责任主体", "牵头考核单位", "时限"} <= set(LABELS)


@pytest.mark.parametrize("label", [k for k, role in label_roles().items() if role != "deadline"])
def test_records_unbracketed_note_as_its_bracketed_form(label):
    """「实施单位：市发改局」 ending a measure is a note exactly when （实施单位：市发改局） is one."""
    bare = bare_note(f"加快建设产业园区。\n{label}：市发改局")
    assert (bare is not None) == is_note(f"（{label}：市发改局）")
    if bare is not None:
        assert bare.text == f"（{label}：市发改局）"


@pytest.mark.parametrize("label", LABELS)
def test_records_a_label_line_is_never_a_heading(label):
    assert not is_heading(f"{label}：2023年底")
