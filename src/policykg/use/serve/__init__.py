"""``policykg serve``: the read-only SPARQL endpoint and its query editor, one module per job.

:mod:`~policykg.use.serve.server` puts the parts together and says why they are
made as they are; start there.
"""

from policykg.use.serve.config import ServerConfig
from policykg.use.serve.server import SparqlServer, serve_forever

__all__ = ["ServerConfig", "SparqlServer", "serve_forever"]
