"""The cyclic garbage collector around one document's build (kg/document_build._collected_after):
off while the document is built, its cycles collected when it ends, the collector's state restored."""

from __future__ import annotations

import gc
import weakref

from policykg.kg import document_build


class _Node:
    pass


def _cycle() -> weakref.ref:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_a_documents_cycles_are_collected_when_it_ends():
    assert gc.isenabled()
    with document_build._collected_after():
        assert not gc.isenabled()
        ref = _cycle()
        assert ref() is not None            # nothing collects it while the document is built
    assert ref() is None
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled():
    gc.disable()
    try:
        with document_build._collected_after():
            ref = _cycle()
        assert ref() is None and not gc.isenabled()
    finally:
        gc.enable()


def test_a_full_collection_every_so_many_documents(monkeypatch):
    calls = []
    monkeypatch.setattr(gc, "collect", lambda *generation: calls.append(generation))
    monkeypatch.setattr(document_build, "_SINCE_FULL", [0])
    for _ in range(2 * document_build.FULL_COLLECTION_EVERY):
        with document_build._collected_after():
            pass
    assert calls.count(()) == 2 and calls.count((1,)) == 2 * document_build.FULL_COLLECTION_EVERY - 2


def test_a_failing_document_still_restores_the_collector():
    try:
        with document_build._collected_after():
            raise ValueError("a document's fault")
    except ValueError:
        pass
    assert gc.isenabled()
