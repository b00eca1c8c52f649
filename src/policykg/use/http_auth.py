"""HTTP authentication for ``policykg push --user``: the scheme the server asks for, Basic or Digest.

A server says how it wants a client to authenticate in the ``WWW-Authenticate`` header of a
401 answer. Virtuoso's Graph Store (``/sparql-graph-crud-auth``) asks for **Digest**
(RFC 7616): the password never crosses the wire, only a hash of it with the server's
nonce; a client that sends Basic gets 401 again, which is how push failed against it.
Fuseki, GraphDB and most proxies ask for **Basic** (RFC 7617).

So credentials wait for the challenge: the first request goes without them, and the 401
says which scheme to answer (Digest when offered — it does not reveal the password —
else Basic). From then on every request of the push carries the answer at once: Basic
as is; Digest with the server's nonce and a counter that grows by one per request
(``nc``), so each graph costs one request, not two. A nonce the server has retired is
answered by a fresh 401 (``stale=true``); push takes the new nonce and sends again.

Standard library only (``hashlib``, ``secrets``).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import urllib.parse

from policykg.errors import PushError
from policykg.use.answers import escape_controls

#: Digest's hash functions (RFC 7616 §3.2; ``-sess`` variants hash the nonces into the key).
_HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256, "SHA-512-256": lambda b: hashlib.new("sha512_256", b)}
#: One auth-param, ``name=token`` or ``name="quoted string"``, or a bare token (a scheme's name).
_PARAM = re.compile(r'\s*,?\s*([!#$%&\'*+.^_`|~0-9A-Za-z-]+)(?:\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]*))?')


def challenges(values: list[str]) -> list[tuple[str, dict[str, str]]]:
    """The challenges of ``WWW-Authenticate`` header values: ``[(scheme lower-cased, {param: value})]``.

    >>> challenges(['Digest realm="SPARQL", qop="auth", nonce="n1", Basic realm="x"'])
    [('digest', {'realm': 'SPARQL', 'qop': 'auth', 'nonce': 'n1'}), ('basic', {'realm': 'x'})]
    """
    found: list[tuple[str, dict[str, str]]] = []
    for value in values:
        for match in _PARAM.finditer(value[:8192]):
            name, raw = match.group(1), match.group(2)
            if raw is None:                                 # a bare token starts the next challenge
                found.append((name.lower(), {}))
            elif found:
                text = re.sub(r"\\(.)", r"\1", raw[1:-1]) if raw.startswith('"') else raw
                found[-1][1][name.lower()] = text
    return found


class Authenticator:
    """``--user USER:PASSWORD`` answered the way the server asks; one per push.

    :meth:`headers` gives what to send with a request (nothing until a server has
    challenged); :meth:`learn` takes a 401's challenges and says whether to send again.
    """

    def __init__(self, user: str | None) -> None:
        self.name, _, self.password = (user or "").partition(":")
        self.given = user is not None
        self.scheme: str | None = None              # "basic" or "digest", once a server has asked
        self.params: dict[str, str] = {}
        self.count = 0                               # Digest's nc: requests sent with this nonce
        self.fresh = False                           # the next answer uses a nonce no request has failed with
        self.probed = False                          # a bodiless request has asked the server for its scheme

    def headers(self, method: str, url: str) -> dict[str, str]:
        """The ``Authorization`` header for ``method url``, or none before any challenge."""
        if self.scheme == "basic":
            token = base64.b64encode(f"{self.name}:{self.password}".encode("utf-8")).decode("ascii")
            return {"Authorization": "Basic " + token}
        if self.scheme == "digest":
            self.count += 1
            return {"Authorization": self._digest(method, _request_target(url))}
        return {}

    def learn(self, values: list[str], where: str) -> None:
        """A 401 with these ``WWW-Authenticate`` values: take its challenge (the caller sends again),
        or raise :class:`PushError` when there is nothing more to answer it with."""
        offered = dict(reversed(challenges(values)))         # the first challenge of each scheme
        if not self.given:
            raise PushError(f"the server asks for a user and password ({_schemes(offered)}) for {where}",
                            hint="give them with --user USER:PASSWORD")
        digest = offered.get("digest")
        stale = digest is not None and digest.get("stale", "").lower() == "true"
        if self.scheme is not None and self.fresh and not stale:
            raise PushError(f"the server refused the user and password ({self.scheme.title()}) for {where}",
                            hint="check --user USER:PASSWORD (Virtuoso: a SPARQL_UPDATE user, e.g. dba)")
        if digest is not None and digest.get("nonce"):
            _check_digest(digest, where)
            self.scheme, self.params, self.count = "digest", digest, 0
        elif "basic" in offered:
            self.scheme = "basic"
        else:
            raise PushError(f"the server asks for {_schemes(offered) or 'an unnamed scheme'}, which push "
                            f"cannot answer, for {where}", hint="push answers Basic and Digest (MD5, SHA-256)")
        self.fresh = True

    def answered(self) -> None:
        """A request with the current answer went through: a later 401 is a new nonce, not a refusal."""
        self.fresh = False

    def _digest(self, method: str, uri: str) -> str:
        """``Digest …`` for one request (RFC 7616 §3.4): the response hash, the nonce, the counter."""
        p = self.params
        algorithm = p.get("algorithm", "MD5")
        base = algorithm.upper().removesuffix("-SESS")
        digest = _HASHES[base]

        def h(text: str) -> str:
            return digest(text.encode("utf-8")).hexdigest()
        cnonce, nc = secrets.token_hex(8), f"{self.count:08x}"
        key = h(f"{self.name}:{p.get('realm', '')}:{self.password}")
        if algorithm.upper().endswith("-SESS"):
            key = h(f"{key}:{p['nonce']}:{cnonce}")
        target = h(f"{method}:{uri}")
        qop = "auth" if "auth" in _qops(p) else None
        response = (h(f"{key}:{p['nonce']}:{nc}:{cnonce}:{qop}:{target}") if qop
                    else h(f"{key}:{p['nonce']}:{target}"))
        fields = [_user_field(self.name), _quoted("realm", p.get("realm", "")), _quoted("nonce", p["nonce"]),
                  _quoted("uri", uri), f"algorithm={algorithm}", _quoted("response", response)]
        if "opaque" in p:
            fields.append(_quoted("opaque", p["opaque"]))
        if qop:
            fields += [f"qop={qop}", f"nc={nc}", _quoted("cnonce", cnonce)]
        return "Digest " + ", ".join(fields)


def _check_digest(params: dict[str, str], where: str) -> None:
    """Refuse, in one line, a Digest challenge push cannot answer (an unknown hash, integrity-only qop)."""
    algorithm = params.get("algorithm", "MD5").upper().removesuffix("-SESS")
    if algorithm not in _HASHES:
        raise PushError(f"the server asks for Digest with {escape_controls(algorithm[:40])}, which push cannot "
                        f"compute, for {where}", hint="push answers Digest with MD5, SHA-256 and SHA-512-256")
    if "qop" in params and "auth" not in _qops(params):
        raise PushError(f"the server asks for Digest with qop={escape_controls(params['qop'][:40])} only, for {where}",
                        hint="push answers qop=auth (the request line and headers, not the body)")


def _qops(params: dict[str, str]) -> list[str]:
    return [q.strip().lower() for q in params.get("qop", "").split(",")]


def _schemes(offered: dict[str, dict[str, str]]) -> str:
    return ", ".join(escape_controls(s[:20]).title() for s in offered)


def _quoted(name: str, value: str) -> str:
    return f'{name}="' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _user_field(name: str) -> str:
    """``username="…"``, or ``username*=UTF-8''…`` for a name outside ASCII (RFC 7616 §3.4.4)."""
    if name.isascii():
        return _quoted("username", name)
    return "username*=UTF-8''" + urllib.parse.quote(name, safe="")


def _request_target(url: str) -> str:
    """The request line's target (path and query) of ``url``: what Digest's ``uri`` repeats.

    >>> _request_target("http://h:8890/sparql-graph-crud-auth?graph=urn%3Ax")
    '/sparql-graph-crud-auth?graph=urn%3Ax'
    """
    parts = urllib.parse.urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
