"""One registry of error codes: every ``PolicyKGError`` is declared in ``errors.py``, each with a code of its own.

A user who quotes ``[PKG600]`` must be quoting one error: the test imports every
module of the package (so that a class declared anywhere is seen), walks the
hierarchy, and fails on a code given to two classes — also one a subclass
inherits without declaring its own — or on a class declared outside the registry.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

import policykg
from policykg import errors
from policykg.errors import PolicyKGError


def every_error_class() -> list[type[PolicyKGError]]:
    for module in pkgutil.walk_packages(policykg.__path__, "policykg."):
        if not module.name.endswith(".__main__"):         # running it would run the command line
            importlib.import_module(module.name)
    found, todo = [], [PolicyKGError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_errors_every_code_names_one_error():
    by_code: dict[str, list[str]] = {}
    for cls in every_error_class():
        by_code.setdefault(cls.code, []).append(f"{cls.__module__}.{cls.__qualname__}")
    shared = {code: names for code, names in by_code.items() if len(names) > 1}
    assert shared == {}


def test_errors_are_declared_in_the_registry():
    outside = [f"{cls.__module__}.{cls.__qualname__}" for cls in every_error_class()
               if cls.__module__ != errors.__name__]
    assert outside == []


def test_errors_codes_are_well_formed():
    for cls in every_error_class():
        assert re.fullmatch(r"PKG\d{3}", cls.code), cls
        assert cls.__doc__, f"{cls.__name__}: say what the error means"
