"""Ingest: read a document in any format and understand it.

Reading (bytes → lines or blocks), segmenting, extracting records, units, persons,
deadlines and quantities, normalising names and linking records. Plain dataclasses
out (:mod:`policykg.model`); nothing here knows RDF. Imports only the core.
"""
