"""Which requests the endpoint answers: those addressed to this machine, and from its own pages.

Why
---
* **DNS rebinding.** A page of any site can make a browser send requests to a
  name that resolves to 127.0.0.1. Bound to the loopback, the front answers only
  requests that carry exactly one Host header naming a loopback name or address,
  with no user-info and an optional port of digits only (:func:`host_refused`).
* **Cross-site forms.** Any web page could POST a form to the endpoint (a
  "simple" request, no preflight). :func:`cross_site` tells the front which
  requests came from another site, by the headers browsers set and pages cannot
  forge; command-line clients send neither and pass.

Nothing here does HTTP: the front asks, and answers 403 with the line returned.
"""

from __future__ import annotations

import ipaddress
import re

#: ``Sec-Fetch-Site`` values of requests a page of this server (or the user, typing a URL) made.
_OWN_FETCH = frozenset({"same-origin", "none"})
_ORIGIN = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.\-]+)(?::([0-9]{1,5}))?")
_HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.\-]+)(?::([0-9]{1,5}))?")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def cross_site(origins: list[str], fetch_sites: list[str], hosts: list[str]) -> str | None:
    """Why a request came from another site (the 403's one line), or None when it did not.

    A browser names the page that made a request in ``Origin`` (any POST, and
    cross-origin GETs) and says how it relates to the target in
    ``Sec-Fetch-Site``; a page cannot set either. So a request is refused when
    ``Sec-Fetch-Site`` is there and is not ``same-origin`` or ``none`` (typed by
    the user), or when ``Origin`` is there and is not this server's origin —
    ``http://`` and the ``Host`` the request was sent to, port included (a page
    at ``localhost:8000`` is another origin than ``127.0.0.1:7878``, and
    ``localhost`` another than ``127.0.0.1``). ``Origin: null`` (a sandboxed
    frame, a ``data:`` page, a page that sends no referrer) is refused: it could
    be any site. Command-line clients send neither header and pass.

    >>> cross_site([], [], ["127.0.0.1:7878"]) is None
    True
    >>> cross_site(["http://127.0.0.1:7878"], ["same-origin"], ["127.0.0.1:7878"]) is None
    True
    >>> cross_site(["http://[::1]"], [], ["[0:0::1]:80"]) is None
    True
    >>> cross_site(["http://localhost:7878"], [], ["127.0.0.1:7878"])
    "cross-site request refused: Origin 'http://localhost:7878' is not this server (http://127.0.0.1:7878); use the editor at / or a command-line client"
    >>> cross_site(["null"], ["same-origin"], ["127.0.0.1:7878"])[:44]
    "cross-site request refused: Origin 'null' is"
    >>> cross_site([], ["cross-site"], ["127.0.0.1:7878"])[:59]
    "cross-site request refused: Sec-Fetch-Site is 'cross-site';"
    """
    refused = "cross-site request refused: "
    if fetch_sites and (len(fetch_sites) > 1 or fetch_sites[0].strip().lower() not in _OWN_FETCH):
        return (f"{refused}Sec-Fetch-Site is {_shown(','.join(fetch_sites))}; "
                "use the editor at / or a command-line client")
    if not origins:
        return None
    own = _host_origin(hosts[0]) if len(hosts) == 1 else None
    if len(origins) == 1 and own is not None and _origin(origins[0]) == own:
        return None
    named = f"http://{hosts[0].strip()}" if own is not None else "the Host it was sent to"
    return (f"{refused}Origin {_shown(','.join(origins))} is not this server ({named}); "
            "use the editor at / or a command-line client")


def _origin(value: str) -> tuple[str, str, int] | None:
    found = _ORIGIN.fullmatch(value.strip())
    if not found:
        return None
    scheme = found.group(1).lower()
    port = int(found.group(3)) if found.group(3) else _DEFAULT_PORTS.get(scheme, -1)
    return scheme, _host_key(found.group(2)), port


def _host_origin(value: str) -> tuple[str, str, int] | None:
    """The origin a page of this server has when it was loaded through ``Host: value`` (plain HTTP)."""
    found = _HOST.fullmatch(value.strip())
    if not found:
        return None
    return "http", _host_key(found.group(1)), int(found.group(2)) if found.group(2) else 80


def _host_key(host: str) -> str:
    """A host as origins compare it: lower case; an IP address in its one canonical form."""
    host = host.strip("[]").lower()
    try:
        return ipaddress.ip_address(host).compressed
    except ValueError:
        return host


def _shown(value: str) -> str:
    """A header value inside a one-line message: printable ASCII, clipped."""
    clean = re.sub(r"[^\x20-\x7e]", "?", value)
    return repr(clean if len(clean) <= 60 else clean[:59] + "…")


def host_refused(hosts: list[str]) -> str | None:
    """Why a request to a loopback-bound front is refused for its Host header (the 403's one line), or None.

    >>> host_refused(["localhost:7878"]) is None, host_refused(["[::1]"]) is None, host_refused([]) is None
    (True, True, True)
    >>> host_refused(["attacker.example"])[:37], bool(host_refused(["127.0.0.1", "127.0.0.1"]))
    ('this endpoint only answers requests a', True)
    """
    name = _strict_host(hosts or ["127.0.0.1"])          # HTTP/1.0 may send none
    if name is not None and is_loopback_name(name):
        return None
    return ("this endpoint only answers requests addressed to the loopback "
            "(one Host header: a loopback name or address, optional port)")


def is_loopback_name(host: str) -> bool:
    """``localhost``, a ``*.localhost`` name or a loopback address (brackets allowed)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _strict_host(values: list[str]) -> str | None:
    """The host name of exactly one well-formed Host header (no user-info, digits-only port), else None."""
    found = _HOST.fullmatch(values[0].strip()) if len(values) == 1 else None
    return found.group(1).strip("[]") if found else None
