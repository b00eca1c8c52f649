"""The knowledge graph: map to RDF, validate, build corpora, store and query.

Takes what :mod:`policykg.ingest` extracted, mints IRIs, writes and validates the graph,
builds a corpus into one Oxigraph store, and keeps the query library and its guard.
Imports the core and ingest, never :mod:`policykg.use`.
"""
