"""policykg: Chinese policy documents with responsibility tables as an RDF knowledge graph."""

__version__ = "0.1.0"
