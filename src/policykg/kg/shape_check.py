"""The shapes' core constraints counted in plain Python: how many violations and warnings pySHACL reports.

pySHACL takes a sixth of a document's build, walking its shape objects triple pattern by triple
pattern. The shapes of ``shapes.ttl`` use a handful of core constraints on direct paths; here they
are compiled once into plain data, and a graph is checked against them with dict lookups,
counting one result where pySHACL reports one (per focus node for counts and ``sh:hasValue``, per
value node for the others). :func:`policykg.kg.validate.validate_graph` trusts this count only
when it finds no violation: any violation, and every read of the report's text, is pySHACL's.

:func:`compile_shapes` returns ``None`` for a shapes graph using anything not listed in
:data:`_HANDLED` — then pySHACL does all the work, as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH

#: What a compiled property shape may say (anything else in the shapes: no compilation).
_HANDLED = {SH.path, SH.minCount, SH.maxCount, SH.datatype, SH["class"], SH.nodeKind, SH.minLength, SH["in"],
            SH.pattern, SH.flags, SH.minInclusive, SH.hasValue, SH.message, SH.severity, SH.name,
            SH.description, RDF.type}
_NODE_HANDLED = {RDF.type, SH.targetClass, SH.targetSubjectsOf, SH.property, SH.severity, RDFS.label,
                 RDFS.comment, SH.message}


@dataclass(frozen=True)
class _Property:
    path: tuple                      # the predicates whose objects are the value nodes (alternatives)
    rules: tuple                     # (constraint, parameter) pairs
    warning: bool


@dataclass(frozen=True)
class _Shape:
    classes: tuple
    subjects_of: tuple
    properties: tuple


def compile_shapes(shapes) -> tuple | None:
    """The node shapes of rdflib graph ``shapes`` as plain data, or ``None`` when one says more than this
    module checks."""
    out = []
    for node in sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str):
        if set(shapes.predicates(node)) - _NODE_HANDLED:
            return None
        severity = shapes.value(node, SH.severity, default=SH.Violation)
        props = []
        for prop in shapes.objects(node, SH.property):
            compiled = _compile_property(shapes, prop, severity)
            if compiled is None:
                return None
            props.append(compiled)
        out.append(_Shape(tuple(shapes.objects(node, SH.targetClass)), tuple(shapes.objects(node, SH.targetSubjectsOf)),
                          tuple(props)))
    # a shape given only as a property shape or targeted otherwise is not what this module knows
    if set(shapes.subjects(RDF.type, SH.PropertyShape)) or set(shapes.subjects(SH.targetNode, None)):
        return None
    return tuple(out)


def _compile_property(shapes, prop, node_severity):
    if set(shapes.predicates(prop)) - _HANDLED:
        return None
    path = shapes.value(prop, SH.path)
    if isinstance(path, BNode):
        if set(shapes.predicates(path)) != {SH.alternativePath}:
            return None
        path = tuple(Collection(shapes, shapes.value(path, SH.alternativePath)))
        if not all(isinstance(p, URIRef) for p in path):
            return None
    elif isinstance(path, URIRef):
        path = (path,)
    else:
        return None
    # a result's severity is its property shape's own (pySHACL does not take the node shape's)
    severity = shapes.value(prop, SH.severity, default=SH.Violation)
    if node_severity not in (SH.Violation, SH.Warning) or severity not in (SH.Violation, SH.Warning) \
            or shapes.value(prop, SH.flags) is not None:
        return None
    rules = []
    for key in (SH.minCount, SH.maxCount, SH.datatype, SH["class"], SH.nodeKind, SH.minLength, SH.pattern,
                SH.minInclusive, SH.hasValue):
        values = list(shapes.objects(prop, key))
        if len(values) > 1:
            return None
        if values:
            rules.append((key, values[0]))
    for listed in shapes.objects(prop, SH["in"]):
        rules.append((SH["in"], frozenset(Collection(shapes, listed))))
    if (SH.nodeKind, SH.IRI) not in rules and any(k == SH.nodeKind for k, _ in rules):
        return None
    return _Property(path, tuple(_plain(key, param) for key, param in rules), severity == SH.Warning)


def _plain(key, param) -> tuple:
    """A rule as :func:`_failures` reads it: the constraint's local name (a plain string: no rdflib
    term compared per value node), counts as ``int``, a pattern compiled."""
    name = str(key)[len(str(SH)):]
    if name in ("minCount", "maxCount", "minLength"):
        return name, int(param)
    if name == "pattern":
        return name, re.compile(str(param))
    return name, param


def count_results(graph, shapes: tuple) -> tuple[int, int]:
    """(violations, warnings) pySHACL reports for rdflib graph ``graph`` against compiled ``shapes``."""
    objects: dict = {}
    for s, p, o in graph:
        objects.setdefault(s, {}).setdefault(p, []).append(o)
    types: dict = {}
    for s, kinds in objects.items():
        for kind in kinds.get(RDF.type, ()):
            types.setdefault(kind, set()).add(s)
    subclasses: dict = {}
    for s, sup in ((s, o) for s, ps in objects.items() for o in ps.get(RDFS.subClassOf, ())):
        subclasses.setdefault(sup, set()).add(s)

    def instances(cls) -> set:
        seen, todo, out = set(), [cls], set()
        while todo:
            c = todo.pop()
            if c not in seen:
                seen.add(c)
                out |= types.get(c, set())
                todo.extend(subclasses.get(c, ()))
        return out

    class_members: dict = {}
    violations = warnings = 0
    for shape in shapes:
        focus = set()
        for cls in shape.classes:
            focus |= instances(cls)
        for p in shape.subjects_of:
            focus |= {s for s, ps in objects.items() if p in ps}
        for prop in shape.properties:
            n = 0
            single = prop.path[0] if len(prop.path) == 1 else None
            for f in focus:
                if single is not None:       # one predicate: its objects are distinct already (a set of triples)
                    values = objects.get(f, _NONE).get(single, ())
                else:
                    values = set()
                    for p in prop.path:
                        values.update(objects.get(f, _NONE).get(p, ()))
                n += _failures(values, prop.rules, class_members, instances)
            if prop.warning:
                warnings += n
            else:
                violations += n
    return violations, warnings


_NONE: dict = {}


def _failures(values, rules: tuple, class_members: dict, instances) -> int:
    """How many results the rules find on the value nodes ``values`` (distinct terms: a set, or the
    objects of one subject and one predicate)."""
    from pyshacl.constraints.core.value_constraints import DatatypeConstraintComponent

    n = 0
    for key, param in rules:
        if key == "minCount":
            n += len(values) < param
        elif key == "maxCount":
            n += len(values) > param
        elif key == "hasValue":
            n += param not in values
        elif key == "datatype":
            n += sum(1 for v in values if not _datatype_ok(v, param, DatatypeConstraintComponent))
        elif key == "class":
            if param not in class_members:
                class_members[param] = instances(param)
            n += sum(1 for v in values if isinstance(v, Literal) or v not in class_members[param])
        elif key == "nodeKind":
            n += sum(1 for v in values if not isinstance(v, URIRef))
        elif key == "minLength":
            n += sum(1 for v in values if isinstance(v, BNode) or len(str(v)) < param)
        elif key == "pattern":
            n += sum(1 for v in values if isinstance(v, BNode) or not param.search(str(v)))
        elif key == "in":
            n += sum(1 for v in values if v not in param)
        elif key == "minInclusive":
            n += sum(1 for v in values if not _at_least(v, param))
    return n


def _datatype_ok(v, datatype, component) -> bool:
    """pySHACL's datatype test (``DatatypeConstraintComponent.evaluate``) for the datatypes of a shape."""
    if not isinstance(v, Literal):
        return False
    if v.datatype == datatype:
        return getattr(v, "ill_typed", None) is not True and component._assert_actual_datatype(None, v, datatype)
    if datatype == RDFS.Literal:
        return True
    if datatype == RDFS.Datatype and v.datatype:
        return True
    if v.datatype is None and v.language is None and datatype == URIRef("http://www.w3.org/2001/XMLSchema#string"):
        return component._assert_actual_datatype(None, v, datatype)
    if datatype == RDF.langString and v.language:
        return component._assert_actual_datatype(None, v, datatype)
    return False


def _at_least(v, minimum) -> bool:
    if not isinstance(v, Literal):
        return False
    try:
        return bool(v.value >= minimum.value) and v.value is not None
    except TypeError:
        return False
