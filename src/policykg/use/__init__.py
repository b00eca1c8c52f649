"""Uses of the graph: analytics, pages, the source view, notebooks, exports, push, the endpoint.

Everything here reads the store built by :mod:`policykg.kg`; the build never imports it.
"""
