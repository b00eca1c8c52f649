"""HTTP Digest for ``policykg push --user`` checked against the worked example of RFC 2617 §3.5.

The example (user ``Mufasa``, password ``Circle Of Life``, realm ``testrealm@host.com``, the nonce,
``GET /dir/index.html``, ``qop=auth``, ``nc=00000001``, cnonce ``0a4f113b``) gives the response
``6629fae49393a05397450978507c4ef1``; RFC 7616 keeps the same computation for MD5.
"""

from __future__ import annotations

import re

import pytest

from policykg.errors import PushError
from policykg.use import http_auth
from policykg.use.http_auth import Authenticator, challenges

CHALLENGE = ('Digest realm="testrealm@host.com", qop="auth,auth-int", '
             'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"')


def test_digest_answer_is_rfc_2617s_example(monkeypatch):
    monkeypatch.setattr(http_auth.secrets, "token_hex", lambda n: "0a4f113b")
    auth = Authenticator("Mufasa:Circle Of Life")
    auth.learn([CHALLENGE], "a test")
    header = auth.headers("GET", "http://www.nowhere.org/dir/index.html")["Authorization"]
    assert header.startswith("Digest ")
    fields = dict(re.findall(r'(\w+)="?([^",]*)"?', header[len("Digest "):]))
    assert fields["response"] == "6629fae49393a05397450978507c4ef1"
    assert fields["uri"] == "/dir/index.html" and fields["nc"] == "00000001" and fields["qop"] == "auth"
    assert fields["opaque"] == "5ccc069c403ebaf9f0171e9517f40e41" and fields["username"] == "Mufasa"
    second = auth.headers("GET", "http://www.nowhere.org/dir/index.html")["Authorization"]
    assert "nc=00000002" in second                          # one request per answer: the counter grows


def test_digest_preferred_to_basic_and_nothing_sent_before_a_challenge():
    auth = Authenticator("u:p")
    assert auth.headers("PUT", "http://h/x") == {}
    auth.learn(['Basic realm="r"', 'Digest realm="r", nonce="n", qop="auth"'], "a test")
    assert auth.headers("PUT", "http://h/x")["Authorization"].startswith("Digest ")


def test_a_refused_password_is_one_error_not_a_loop():
    auth = Authenticator("u:wrong")
    auth.learn(['Digest realm="r", nonce="n1", qop="auth"'], "graph <g>")
    with pytest.raises(PushError, match="refused"):
        auth.learn(['Digest realm="r", nonce="n2", qop="auth"'], "graph <g>")
    auth = Authenticator("u:p")                              # a stale nonce is a new nonce, not a refusal
    auth.learn(['Digest realm="r", nonce="n1", qop="auth"'], "graph <g>")
    auth.learn(['Digest realm="r", nonce="n2", qop="auth", stale=true'], "graph <g>")
    assert auth.params["nonce"] == "n2"


def test_challenges_split_schemes_and_quoted_commas():
    assert challenges(['Basic realm="a, b", Digest nonce="x", qop="auth"']) == [
        ("basic", {"realm": "a, b"}), ("digest", {"nonce": "x", "qop": "auth"})]
