"""Triage many handshake attempts: what the rejected ones have that the accepted ones lack (pure).

Three steps, values in and values out:

1. :func:`extract_features` turns one capture into ``(attribute, value)``
   pairs: each header (or its value class: an Origin's scheme and host, a
   user agent's product and major version), each query parameter, cookie,
   subprotocol token and extension, the path, the Host/Origin relation, the
   client's network. Noise (the key nonce, dates, request ids, cache-busters)
   is left out. An attribute an attempt lacks is absent, which is a value too.
2. :class:`Tally` folds attempts into per-group counts of distinct *profiles*
   (the set of feature values an attempt has), so memory grows with the
   distinct features and their combinations, not with the attempts; when the
   profiles pass a bound, the least informative attribute is dropped from them.
3. :func:`explain` searches, per group, for the smallest set of conditions
   that covers the rejections with the fewest exceptions: a greedy search
   scored by description length (a condition must save more bits of
   exceptions than it costs to state), over single conditions and
   conjunctions of two. Conditions that match exactly the same attempts are
   reported together as indistinguishable.

Credentials are seen only as fingerprints (an unredacted capture is redacted
first, with the caller's key), so nothing here can print a secret.
"""

from __future__ import annotations

import functools
import ipaddress
import math
import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .diff import _NOISE_HEADERS  # compare's noise headers: the same ones never rank here
from .headers import host_as_in_host, origin_authority, parse_query, split_authority
from .model import Capture, Request, default_port, split_target
from .oracle import Oracle, ProbeResult
from .redact import FINGERPRINT_RE, is_credential_header, is_credential_param, redact_request, redact_text, run_key

__all__ = [
    "GROUPINGS",
    "Attribute",
    "Feature",
    "Condition",
    "Finding",
    "Attempts",
    "GroupReport",
    "Triage",
    "Tally",
    "extract_features",
    "observe",
    "Observation",
    "judge",
    "group_key",
    "explain",
    "triage",
]

GROUPINGS = ("endpoint", "host", "path")
"""How attempts are grouped: scheme://host:port plus path shape, scheme://host:port, or path shape."""

Attribute = tuple[str, str | None, str]
"""``(kind, name, facet)``: kind and name as in ``compare --json`` (header names lower-case); the facet
says which view of the value: ``value``, or a class such as ``site`` or ``product-major``."""
Feature = tuple[Attribute, str]

# Query parameters that change on every attempt by design: cache-busters and clocks
# (engine.io's t, jQuery's _, ExtJS's _dc).
NOISE_PARAMS = frozenset({
    "t", "_", "_t", "ts", "_ts", "timestamp", "time", "cb", "_cb", "cachebust", "cachebuster", "cache_buster",
    "cache-buster", "nocache", "no_cache", "rnd", "rand", "random", "nonce", "_dc",
})
# Header names that carry ids, traces and clocks, beyond those compare hides.
_NOISE_HEADER_NAME = re.compile(r"(?:^|-)(?:request|correlation|trace|span|message)-?id$|nonce|timestamp")

MAX_LISTED = 3
"""A condition lists at most this many values ("is one of a, b, c" or "is not one of ..."): more is overfitting."""
VALUE_CAP = 64
"""Distinct values kept per attribute and group; further ones are counted together as "another value"."""
PROFILE_CAP = 1 << 15
"""Distinct profiles kept per group before the least informative attribute is dropped from them."""
PAIR_POOL = 24
"""Single conditions (the best by weighted relative accuracy) combined pairwise into conjunctions."""
MAX_CONDITIONS = 8

_KIND_ORDER = ("path", "query-param", "header", "cookie", "subprotocol", "extension", "http-version", "method",
               "client", "endpoint")
_FACET_ORDER = ("value", "site", "product-major", "product", "scheme", "class", "shape", "relation", "network")
_FACET_WORDS = {
    "site": "'s scheme and host", "scheme": "'s scheme", "product": "'s product",
    "product-major": "'s product and major version", "class": "'s kind of value", "shape": " shape",
    "network": "'s network",
}


# --- features ------------------------------------------------------------------


def _uncached_header_role(name: str) -> tuple[str, str, Attribute]:
    """Return ``(lower-case name, role, value attribute)`` for a header name as spelled."""
    lname = name.lower()
    if lname in _NOISE_HEADERS or _NOISE_HEADER_NAME.search(lname):
        role = "noise"
    elif lname in ("cookie", "origin", "user-agent", "host"):
        role = lname
    elif lname == "sec-websocket-protocol":
        role = "subprotocols"
    elif lname == "sec-websocket-extensions":
        role = "extensions"
    elif lname in ("authorization", "proxy-authorization"):
        role = "authorization"
    else:
        role = "plain"
    return lname, role, ("header", lname, "value")


_header_role = functools.lru_cache(maxsize=4096)(_uncached_header_role)


_PRODUCT = re.compile(r"([A-Za-z][A-Za-z0-9_.+-]*)/v?(\d+)")
# Browsers name several products; the first of these that appears is the one that matters.
_BROWSERS = ("Edg", "EdgA", "EdgiOS", "OPR", "SamsungBrowser", "YaBrowser", "Vivaldi", "Firefox", "FxiOS", "CriOS",
             "HeadlessChrome", "Chrome", "Chromium")


def _uncached_user_agent_product(ua: str) -> tuple[str, str]:
    """Return ``(product, product/major)`` of a User-Agent.

    ``("Chrome", "Chrome/120")`` for a browser, ``("websockets", "websockets/17")`` for a library.
    """
    tokens = _PRODUCT.findall(ua)
    if not tokens:
        word = ua.split()[0][:40] if ua.strip() else ""
        return word, word
    first: dict[str, str] = {}
    for n, major in tokens:
        first.setdefault(n, major)
    for browser in _BROWSERS:
        if browser in first:
            return browser, f"{browser}/{first[browser]}"
    if "Safari" in first:
        return "Safari", f"Safari/{first.get('Version', first['Safari'])}"
    # "Python/3.12 websockets/17.4", "Mozilla/5.0 (compatible; Bot/2.1)": the last product is the client.
    n, major = tokens[-1] if tokens[0][0].lower() in ("mozilla", "python") and len(tokens) > 1 else tokens[0]
    return n, f"{n}/{major}"


user_agent_product = functools.lru_cache(maxsize=4096)(_uncached_user_agent_product)


def _uncached_origin_facets(origin: str) -> tuple[str, str]:
    """Return an Origin's ``(scheme://host, scheme)``; ``null`` and junk are their own class."""
    parsed = origin_authority(origin)
    if parsed is None:
        return ("null", "null") if origin.strip().lower() == "null" else ("opaque", "opaque")
    scheme, host, _ = parsed
    return f"{scheme}://{host}", scheme


_origin_facets = functools.lru_cache(maxsize=4096)(_uncached_origin_facets)


def _uncached_relation(origin: str, host: str | None, tls: bool) -> str:
    """Return how Origin relates to Host (RFC 6454): same-origin, cross-origin, opaque, or no Host."""
    parsed = origin_authority(origin)
    if parsed is None:
        return "opaque"
    if host is None:
        return "no Host"
    _, ohost, oport = parsed
    hname, hport = split_authority(host)
    port = int(hport) if hport.isascii() and hport.isdigit() else default_port("wss" if tls else "ws")
    same = ohost == hname.lower() and oport == port
    return "same-origin" if same else "cross-origin"


_relation = functools.lru_cache(maxsize=4096)(_uncached_relation)


def _uncached_host_relation(host: str, ep_host: str, port: int, scheme: str) -> str:
    """Return whether Host names the endpoint the client connected to (a reverse proxy may rewrite it)."""
    name = host_as_in_host(ep_host)  # an endpoint keeps an IPv6 address bare, as Endpoint.url reads it
    expected = {f"{name}:{port}"} | ({name} if port == default_port(scheme) else set())
    return "the endpoint" if host.lower() in expected else "not the endpoint"


_host_relation = functools.lru_cache(maxsize=4096)(_uncached_host_relation)


def _uncached_extension_features(value: str) -> tuple[Feature, ...]:
    """Return one feature per offered extension name: its offers' full text (RFC 6455 9.1, RFC 7692 5)."""
    offers: dict[str, list[str]] = {}
    for text in (t.strip() for t in value.split(",")):
        if text:
            name = text.split(";", 1)[0].strip()
            params = "; ".join(p.strip() for p in text.split(";")[1:] if p.strip())
            offers.setdefault(name, []).append(f"{name}; {params}" if params else name)
    return tuple((("extension", n, "value"), ", ".join(v)) for n, v in offers.items())


_extension_features = functools.lru_cache(maxsize=1024)(_uncached_extension_features)


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_NUMBER = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_HEX = re.compile(r"[0-9a-fA-F]{8,}")
_TOKEN = re.compile(r"[A-Za-z0-9_.~+/=-]{16,}")


def _uncached_value_class(value: str) -> str:
    """Return the kind of a value: empty, integer, number, boolean, uuid, hex, token, secret or text."""
    if value == "":
        return "empty"
    if value.isascii() and value.isdigit():
        return "integer"
    if FINGERPRINT_RE.fullmatch(value):
        return "secret"
    if _NUMBER.fullmatch(value):
        return "number"
    if value.lower() in ("true", "false", "yes", "no", "on", "off"):
        return "boolean"
    if _UUID.fullmatch(value):
        return "uuid"
    if _HEX.fullmatch(value):
        return "hex"
    if _TOKEN.fullmatch(value) and any(ch.isdigit() for ch in value):
        return "token"
    return "text"


value_class = functools.lru_cache(maxsize=8192)(_uncached_value_class)


def _id_like(segment: str) -> bool:
    return bool(segment) and ((segment.isascii() and segment.isdigit()) or bool(_UUID.fullmatch(segment))
                              or (len(segment) >= 16 and bool(_TOKEN.fullmatch(segment))
                                  and any(ch.isdigit() for ch in segment)))


def _uncached_path_shape(path: str) -> str:
    """Return *path* with id-like segments (numbers, uuids, long tokens) replaced by ``{id}``."""
    return "/".join("{id}" if _id_like(s) else s for s in path.split("/"))


path_shape = functools.lru_cache(maxsize=4096)(_uncached_path_shape)


def _uncached_client_network(client: str) -> str | None:
    """Return the /24 (IPv4) or /64 (IPv6) network of a client address ``ip:port`` or ``[ip]:port``."""
    host = client.rpartition(":")[0] if client.count(":") == 1 or client.startswith("[") else client
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    return str(ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 64}", strict=False))


client_network = functools.lru_cache(maxsize=1024)(_uncached_client_network)


def extract_features(capture: Capture) -> list[Feature]:
    """Return the features of one attempt's request; absent attributes are simply not listed.

    The capture must be redacted (credentials as fingerprints): :func:`triage`
    and :class:`Tally` see to it.
    """
    req = capture.request
    ep = capture.endpoint
    path, query = split_target(req.target)
    out: list[Feature] = [
        (("endpoint", "scheme", "value"), ep.scheme),
        (("endpoint", "host", "value"), f"{ep.host}:{ep.port}"),
        (("method", None, "value"), req.method),
        (("http-version", None, "value"), req.http_version),
        (("path", None, "value"), path),
        (("path", None, "shape"), path_shape(path)),
    ]
    if query:
        params: dict[str, list[str]] = {}
        for name, value in parse_query(query):
            if name.lower() not in NOISE_PARAMS:
                params.setdefault(name, []).append("" if value is None else value)
        for name, values in params.items():
            value = ", ".join(values)
            out.append((("query-param", name, "value"), value))
            if not is_credential_param(name):
                out.append((("query-param", name, "class"), value_class(value)))
    fields: dict[str, str] = {}  # lower-case name -> value (repeated fields joined)
    infos: list[tuple[str, str, Attribute]] = []
    for name, value in req.headers:
        info = _header_role(name)
        if info[1] == "noise":
            continue
        lname = info[0]
        if lname in fields:  # RFC 9110 5.3: repeated fields mean their joined list (RFC 6265 5.4: "; " for Cookie)
            fields[lname] += ("; " if lname == "cookie" else ", ") + value
        else:
            fields[lname] = value
            infos.append(info)
    for lname, role, attr in infos:
        value = fields[lname]
        if role == "cookie":
            cookies: dict[str, list[str]] = {}
            for part in value.split(";"):
                cname, eq, cval = part.strip().partition("=")
                if cname or cval:
                    cookies.setdefault(cname.strip(), []).append(cval.strip() if eq else "")
            out.extend((("cookie", n, "value"), ", ".join(v)) for n, v in cookies.items())
        elif role == "subprotocols":
            out.extend((("subprotocol", t, "value"), "offered") for t in {t.strip() for t in value.split(",")} if t)
        elif role == "extensions":
            out.extend(_extension_features(value))
        else:
            out.append((attr, value))
            if role == "origin":
                site, scheme = _origin_facets(value)
                out.append((("header", lname, "site"), site))
                out.append((("header", lname, "scheme"), scheme))
            elif role == "user-agent":
                product, major = user_agent_product(value)
                out.append((("header", lname, "product-major"), major))
                out.append((("header", lname, "product"), product))
            elif role == "authorization":
                out.append((("header", lname, "scheme"), value.split(" ", 1)[0]))
    origin, host = fields.get("origin"), fields.get("host")
    if origin is not None:
        out.append((("header", "origin", "relation"), _relation(origin, host, ep.tls)))
    if host is not None:
        out.append((("header", "host", "relation"), _host_relation(host, ep.host, ep.port, ep.scheme)))
    if capture.client:
        network = client_network(capture.client)
        if network is not None:
            out.append((("client", None, "network"), network))
    return out


def judge(capture: Capture, oracle: str = "close") -> bool | None:
    """Return True for an accepted attempt, False for a rejected one, None when nothing answered.

    The recorded answer is judged as replay judges a live one
    (:class:`wsdiff.oracle.Oracle`): a status other than 101 is a rejection;
    with ``close`` (the default) so is a 101 the server closed with a code
    other than 1000/1001 (RFC 6455 7.4.1: 1008 policy violation, 4xxx).
    """
    if capture.response is None:
        return None
    if capture.response.status != 101 or capture.websocket is None:
        return capture.response.status == 101  # what the oracle says without a session, at a fraction of the cost
    return Oracle(oracle).accepts(ProbeResult(status=capture.response.status, session=capture.websocket))


def group_key(capture: Capture, by: str) -> str:
    """Return the group an attempt belongs to: see :data:`GROUPINGS`."""
    shape = path_shape(capture.request.path)
    if by == "host":
        return capture.endpoint.url
    if by == "path":
        return shape
    return capture.endpoint.url + shape


# --- the tally -----------------------------------------------------------------

_OTHER = "\x00other"  # values beyond VALUE_CAP, counted together (never listed in a condition)


class _Group:
    """The running counts of one group: interned feature values and distinct profiles."""

    def __init__(self, key: str, value_cap: int, profile_cap: int) -> None:
        self.key = key
        self.value_cap = value_cap
        self.profile_cap = profile_cap
        self.unanswered = 0
        self.atoms: dict[Feature, int] = {}
        self.atom_attr: list[Attribute] = []
        self.atom_value: list[str] = []
        self.attr_values: dict[Attribute, int] = {}
        self.other: dict[Attribute, int] = {}
        self.untracked: set[Attribute] = set()
        # profile (sorted atom ids) -> [rejected, accepted, a rejected example, an accepted example]
        self.profiles: dict[tuple[int, ...], list[Any]] = {}
        self.spelling: dict[str, str] = {}  # lower-case header name -> the first spelling seen
        self.spelled: set[str] = set()

    def _intern(self, feature: Feature) -> int | None:
        attr, value = feature
        if attr in self.untracked:
            return None
        seen = self.attr_values.get(attr, 0)
        if seen >= self.value_cap:
            atom = self.other.get(attr)
            if atom is None:
                atom = self.other[attr] = self._new_atom(attr, _OTHER)
            return atom
        self.attr_values[attr] = seen + 1
        atom = self.atoms[feature] = self._new_atom(attr, value)
        return atom

    def _new_atom(self, attr: Attribute, value: str) -> int:
        self.atom_attr.append(attr)
        self.atom_value.append(value)
        return len(self.atom_attr) - 1

    def add(self, features: list[Feature], rejected: bool, source: str) -> None:
        atoms = self.atoms
        ids = []
        for f in features:
            atom = atoms.get(f)
            if atom is None:
                atom = self._intern(f)
                if atom is None:
                    continue
            ids.append(atom)
        ids.sort()
        key = tuple(ids)
        p = self.profiles.get(key)
        if p is None:
            p = self.profiles[key] = [0, 0, None, None]
        if rejected:
            p[0] += 1
            if p[2] is None:
                p[2] = source
        else:
            p[1] += 1
            if p[3] is None:
                p[3] = source
        if len(self.profiles) > self.profile_cap:
            self._shrink()

    def _shrink(self) -> None:
        """Drop the least informative attributes from every profile until half the bound is left."""
        gains, constant = _information_gains(self)
        for attr in sorted(gains, key=lambda a: (gains[a], _attr_sort_key(a))):
            if len(self.profiles) <= self.profile_cap // 2:
                break
            if attr in constant:  # dropping it would merge no profiles
                continue
            self.untracked.add(attr)
            gone = {i for i, a in enumerate(self.atom_attr) if a == attr}
            merged: dict[tuple[int, ...], list[Any]] = {}
            for key, p in self.profiles.items():
                k = tuple(i for i in key if i not in gone)
                q = merged.get(k)
                if q is None:
                    merged[k] = p
                else:
                    q[0] += p[0]
                    q[1] += p[1]
                    q[2] = q[2] or p[2]
                    q[3] = q[3] or p[3]
            self.profiles = merged
            for f in [f for f, i in self.atoms.items() if i in gone]:
                del self.atoms[f]


def _entropy(r: int, a: int) -> float:
    n = r + a
    if n == 0 or r == 0 or a == 0:
        return 0.0
    pr, pa = r / n, a / n
    return -(pr * math.log2(pr) + pa * math.log2(pa))


def _information_gains(g: _Group) -> tuple[dict[Attribute, float], set[Attribute]]:
    """Return each tracked attribute's information gain about the outcome (values as kept), and the constant ones."""
    per_atom: dict[int, list[int]] = {}
    total_r = total_a = 0
    for key, (r, a, _, _) in g.profiles.items():
        total_r += r
        total_a += a
        for atom in key:
            c = per_atom.setdefault(atom, [0, 0])
            c[0] += r
            c[1] += a
    by_attr: dict[Attribute, list[tuple[int, int, str]]] = {}
    for atom, (r, a) in per_atom.items():
        by_attr.setdefault(g.atom_attr[atom], []).append((r, a, g.atom_value[atom]))
    n = total_r + total_a
    base = _entropy(total_r, total_a)
    gains = {}
    constant = {attr for attr, counts in by_attr.items() if len(counts) == 1 and counts[0][0] + counts[0][1] == n}
    for attr, counts in by_attr.items():
        pr, pa = sum(r for r, _, _ in counts), sum(a for _, a, _ in counts)
        if _mostly_unique((v, r + a) for r, a, v in counts):
            counts = [(pr, pa, "")]  # a nonce tells only by its presence
        counts = counts + [(total_r - pr, total_a - pa, "")]
        gains[attr] = base - sum((r + a) / n * _entropy(r, a) for r, a, _ in counts if r + a)
    return gains, constant


def _mostly_unique(values: Iterable[tuple[str | None, int]]) -> bool:
    """Tell whether an attribute's kept values are (nearly) all different: an id, not a rule.

    Values past the cap are left out of the judgement: they are many by
    definition, and whether they repeat is not known.
    """
    present = singles = 0
    for value, n in values:
        if value != _OTHER and value is not None:
            present += n
            singles += n if n == 1 else 0
    return present >= 5 and singles >= 0.9 * present


class Tally:
    """Fold attempts, one at a time, into per-group counts; :meth:`result` explains them.

    Args:
        by: how to group attempts (:data:`GROUPINGS`).
        oracle: ``close`` or ``status``, as for replay (see :func:`judge`).
        key: the fingerprint key (the local secret store's, so that
            unredacted captures match those recorded on this machine); a key
            made for this run when None, as compare does.
    """

    def __init__(self, *, by: str = "endpoint", oracle: str = "close", key: bytes | None = None,
                 value_cap: int = VALUE_CAP, profile_cap: int = PROFILE_CAP) -> None:
        if by not in GROUPINGS:
            raise ValueError(f"by must be one of {', '.join(GROUPINGS)}, got {by!r}")
        self.by = by
        self.oracle = oracle
        self.key = key or run_key()
        self.value_cap = value_cap
        self.profile_cap = profile_cap
        self.groups: dict[str, _Group] = {}

    def add(self, source: str, capture: Capture) -> None:
        """Count one attempt; *source* names it (a path, or ``FILE#N``) for examples and test commands."""
        self.add_observation(source, *observe(capture, by=self.by, oracle=self.oracle, key=self.key))

    def add_observation(self, source: str, group: str, accepted: bool | None, features: list[Feature],
                        spellings: Iterable[str] = ()) -> None:
        """Count one attempt given as :func:`observe` returns it (unanswered when *accepted* is None)."""
        g = self.groups.get(group)
        if g is None:
            g = self.groups[group] = _Group(group, self.value_cap, self.profile_cap)
        seen = g.spelled
        for name in spellings:
            if name not in seen:
                seen.add(name)
                g.spelling.setdefault(name.lower(), name)
        if accepted is None:
            g.unanswered += 1
        else:
            g.add(features, not accepted, source)

    def add_features(self, source: str, features: list[Feature], rejected: bool, group: str = "") -> None:
        """Count one answered attempt given by its features (see :func:`extract_features`)."""
        self.add_observation(source, group, not rejected, features)

    def result(self) -> Triage:
        """Explain every group (the tally can go on counting afterwards)."""
        return Triage(self.by, tuple(explain(g, self.key) for _, g in sorted(self.groups.items())))


Observation = tuple[str, "bool | None", list[Feature], tuple[str, ...]]
"""What the tally needs of one attempt: group, outcome (True accepted, None unanswered), features,
and the header names as spelled (for display)."""


def observe(capture: Capture, *, by: str = "endpoint", oracle: str = "close", key: bytes | None = None) -> Observation:
    """Return one attempt's :data:`Observation`; an unredacted request is fingerprinted with *key* first.

    A capture that says it is redacted is counted as it is, so that its
    fingerprints meet those of the same secrets elsewhere; if it lied, what
    is shown of it is still redacted (see :func:`explain`).
    """
    group = group_key(capture, by)
    accepted = judge(capture, oracle)
    if accepted is None:
        return group, None, [], ()
    if not capture.redacted:
        capture = capture.replace(request=redact_request(capture.request, key or run_key(), capture.endpoint)[0])
    return group, accepted, extract_features(capture), tuple([name for name, _ in capture.request.headers])


def triage(attempts: Iterable[tuple[str, Capture]], *, by: str = "endpoint", oracle: str = "close",
           key: bytes | None = None) -> Triage:
    """Triage ``(source, capture)`` pairs: per group, the conditions that separate rejected from accepted."""
    tally = Tally(by=by, oracle=oracle, key=key)
    for source, capture in attempts:
        tally.add(source, capture)
    return tally.result()


# --- results -------------------------------------------------------------------


def _shown(value: str | None, credential: bool = False, limit: int = 80) -> str:
    """Return a value as a condition says it: absent, quoted when empty, cut when long.

    Control characters are left to the output (the CLI escapes every line and
    every JSON string it prints).
    """
    if value is None:
        return "(absent)"
    text = value if len(value) <= limit else value[:limit - 3] + "..."
    if credential and FINGERPRINT_RE.fullmatch(value):
        return f"the secret {text}"
    return text if text else '""'


@dataclass(frozen=True)
class Condition:
    """One condition on one attribute: its value is one of *values*, or (negated) none of them.

    ``None`` among the values stands for "absent". ``absent_seen`` says
    whether some attempt lacked the attribute, for an honest wording.
    """

    kind: str
    name: str | None
    facet: str
    values: tuple[str | None, ...]
    negated: bool = False
    absent_seen: bool = True

    def _get_credential(self) -> bool:
        return (self.kind == "cookie" or (self.kind == "header" and is_credential_header(self.name or ""))
                or (self.kind == "query-param" and is_credential_param(self.name or "")))

    credential = property(_get_credential)

    def _get_what(self) -> str:
        """Name the attribute: ``Origin``, ``query parameter fmt``, ``User-Agent's product``."""
        name = _shown(self.name, limit=60) if self.name is not None else ""
        base = {
            "header": name, "query-param": f"query parameter {name}", "cookie": f"cookie {name}",
            "subprotocol": f"subprotocol {name}", "extension": f"extension {name}", "path": "path",
            "http-version": "HTTP version", "method": "method", "client": "client address",
            "endpoint": f"endpoint {name}",
        }.get(self.kind, f"{self.kind} {name}".strip())
        if self.facet == "relation":  # Origin's relation to Host (RFC 6454), Host's to the endpoint
            return "Origin relative to Host" if name.lower() == "origin" else name
        return base + _FACET_WORDS.get(self.facet, "")

    what = property(_get_what)

    def _get_text(self) -> str:
        """Say the condition: ``Origin is not https://app.example``, ``X-Api-Key is absent``."""
        if self.kind == "subprotocol":
            offered = "offered" in self.values
            return f"{self.what} is {'offered' if offered != self.negated else 'not offered'}"
        listed = [v for v in self.values if v is not None]
        shown = [_shown(v, self.credential) for v in listed]
        one = shown[0] if len(shown) == 1 else "one of " + ", ".join(shown)
        has_absent = None in self.values
        if not self.negated:
            if not listed:
                return f"{self.what} is absent"
            return f"{self.what} is {one}" + (" or absent" if has_absent else "")
        if not listed:
            return f"{self.what} is present"
        if has_absent:
            return f"{self.what} is present and not {one}"
        return f"{self.what} is {'absent or ' if self.absent_seen else ''}not {one}"

    text = property(_get_text)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "facet": self.facet, "condition": self.text,
                "values": list(self.values), "negated": self.negated}


@dataclass(frozen=True)
class Finding:
    """One condition of the explanation (one part, or two that must hold together), with its counts."""

    parts: tuple[Condition, ...]
    rejected_matched: int
    accepted_matched: int
    explained_alone: int  # rejected attempts that no other finding matches
    rejected_total: int
    accepted_total: int
    indistinguishable: tuple[tuple[int, Condition], ...] = ()  # (the part it can stand in for, the condition)
    test: tuple[str, ...] = ()  # argv of one command that tests the finding live

    def _get_condition(self) -> str:
        return " and ".join(p.text for p in self.parts)

    condition = property(_get_condition)

    def _get_counts(self) -> str:
        return (f"{self.rejected_matched} of {self.rejected_total} rejected, "
                f"{self.accepted_matched} of {self.accepted_total} accepted")

    counts = property(_get_counts)

    def _get_test_command(self) -> str:
        return shlex.join(self.test) if self.test else ""

    test_command = property(_get_test_command)

    def to_json(self) -> dict[str, Any]:
        single = len(self.parts) == 1
        out: dict[str, Any] = {
            "kind": self.parts[0].kind if single else "all-of",
            "name": self.parts[0].name if single else None,
            "condition": self.condition,
            "rejected_matched": self.rejected_matched,
            "accepted_matched": self.accepted_matched,
            "explained_alone": self.explained_alone,
            "parts": [p.to_json() for p in self.parts],
            "indistinguishable": [{**c.to_json(), "part": i} for i, c in self.indistinguishable],
            "test": self.test_command,
            "test_argv": list(self.test),
        }
        if single:
            out.update(facet=self.parts[0].facet, values=list(self.parts[0].values), negated=self.parts[0].negated)
        return out


@dataclass(frozen=True)
class Attempts:
    """Attempts of one kind (unexplained rejections, or accepted exceptions) shown by one example."""

    source: str
    attempts: int
    test: tuple[str, ...] = ()

    def _get_test_command(self) -> str:
        return shlex.join(self.test) if self.test else ""

    test_command = property(_get_test_command)

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "attempts": self.attempts, "test": self.test_command,
                "test_argv": list(self.test)}


@dataclass(frozen=True)
class GroupReport:
    """The explanation of one group of attempts."""

    endpoint: str
    attempts: int
    accepted: int
    rejected: int
    unanswered: int = 0
    findings: tuple[Finding, ...] = ()
    unexplained: tuple[Attempts, ...] = ()  # rejected attempts no finding matches, by example
    unexplained_attempts: int = 0
    exceptions: tuple[Attempts, ...] = ()  # accepted attempts a finding matches, by example
    exception_attempts: int = 0
    note: str = ""
    untracked: tuple[str, ...] = ()  # attributes dropped from the profiles to bound memory

    def _get_explained(self) -> bool:
        """Tell whether every rejection in the group is matched by a finding."""
        return self.unexplained_attempts == 0

    explained = property(_get_explained)

    def to_json(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint, "attempts": self.attempts, "accepted": self.accepted,
            "rejected": self.rejected, "unanswered": self.unanswered, "explained": self.explained,
            "findings": [f.to_json() for f in self.findings],
            "unexplained": [u.to_json() for u in self.unexplained],
            "unexplained_attempts": self.unexplained_attempts,
            "exceptions": [e.to_json() for e in self.exceptions],
            "exception_attempts": self.exception_attempts,
            "note": self.note, "untracked": list(self.untracked),
        }


@dataclass(frozen=True)
class Triage:
    """Every group's explanation."""

    by: str
    groups: tuple[GroupReport, ...] = field(default=())

    def _get_explained(self) -> bool:
        """Tell whether every rejection in every group is explained (the CLI's exit status 0)."""
        return all(g.explained for g in self.groups)

    explained = property(_get_explained)

    def _get_attempts(self) -> int:
        return sum(g.attempts for g in self.groups)

    attempts = property(_get_attempts)

    def to_json(self) -> dict[str, Any]:
        return {"by": self.by, "explained": self.explained, "groups": [g.to_json() for g in self.groups]}


# --- the explanation search ------------------------------------------------------


def _attr_sort_key(attr: Attribute) -> tuple[int, str, int]:
    kind, name, facet = attr
    return (_KIND_ORDER.index(kind) if kind in _KIND_ORDER else len(_KIND_ORDER), name or "",
            _FACET_ORDER.index(facet) if facet in _FACET_ORDER else len(_FACET_ORDER))


class _Weights:
    """Sum per-profile counts over a bitmask of profiles, by bit planes of the counts (int.bit_count)."""

    def __init__(self, counts: Sequence[int]) -> None:
        self.planes: list[tuple[int, int]] = []
        top = max(counts, default=0).bit_length()
        for shift in range(top):
            bits = bytearray((len(counts) + 7) // 8)
            for i, c in enumerate(counts):
                if c >> shift & 1:
                    bits[i >> 3] |= 1 << (i & 7)
            self.planes.append((shift, int.from_bytes(bits, "little")))

    def __call__(self, mask: int) -> int:
        return sum((mask & plane).bit_count() << shift for shift, plane in self.planes)


_Value = tuple[str | None, int, int, int]  # (value, mask of profiles, rejected, accepted)


@dataclass
class _Literal:
    attr: Attribute
    values: tuple[str | None, ...]  # the listed values
    negated: bool
    mask: int
    items: float  # how long the wording is: listed values, absence counting half
    r: int = 0
    a: int = 0

    def condition(self, absent_seen: bool, spelling: dict[str, str], key: bytes) -> Condition:
        kind, name, facet = self.attr
        if kind == "header" and name is not None:
            name = spelling.get(name, name)
        if kind == "subprotocol" and name is not None:  # the token is the name, and may be a bearer token
            name = _redacted(("header", "sec-websocket-protocol", "value"), name, "Sec-WebSocket-Protocol", key)
        values = tuple(_redacted(self.attr, v, name, key) for v in self.values)
        return Condition(kind, name, facet, values, self.negated, absent_seen)

    def _get_order(self) -> tuple[Any, ...]:
        """Preference among literals: the shorter wording, a positive one, then the attribute's order."""
        return (self.items, self.negated, _attr_sort_key(self.attr), tuple("" if v is None else v for v in self.values))

    order = property(_get_order)


def _redacted(attr: Attribute, value: str | None, name: str | None, key: bytes) -> str | None:
    """Return a value as it may be shown: through the same redaction as every output, in its place.

    The inputs were redacted when counted, unless they said they already
    were; a capture that lied is caught here, before anything is printed.
    """
    if value is None or FINGERPRINT_RE.fullmatch(value):
        return value
    kind, _, facet = attr
    if kind == "header" and facet == "value" and name:
        return redact_request(Request(headers=((name, value),)), key)[0].headers[0][1]
    if kind == "cookie" and name is not None:
        cookie = redact_request(Request(headers=(("Cookie", f"{name}={value}"),)), key)[0].headers[0][1]
        return cookie.partition("=")[2]
    if kind == "query-param" and facet == "value" and name is not None:
        target = redact_request(Request(target=f"/?{name}={value}"), key)[0].target
        return target.partition("=")[2]
    if kind == "path" and facet == "value":
        return redact_request(Request(target=value), key)[0].target
    if kind == "extension":
        return redact_request(Request(headers=(("Sec-WebSocket-Extensions", value),)), key)[0].headers[0][1]
    return redact_text(value, key)


def _mask_of(indices: list[int], nbytes: int) -> int:
    bits = bytearray(nbytes)
    for i in indices:
        bits[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(bits, "little")


def _bits(n: int, k: int) -> float:
    """Return the bits to say which *k* of *n* items are exceptions: log2(n+1) + log2 C(n, k)."""
    if n <= 0:
        return 0.0
    return math.log2(n + 1) + (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)) / math.log(2)


def _cover(conditions: list[tuple[int, tuple[_Literal, ...]]]) -> int:
    out = 0
    for mask, _ in conditions:
        out |= mask
    return out


def explain(g: _Group, key: bytes) -> GroupReport:
    """Explain one group: the conditions that cover its rejections with the fewest exceptions.

    *key* fingerprints whatever is shown that a capture left in clear.
    """
    keys = list(g.profiles)
    rows = [g.profiles[k] for k in keys]
    R = sum(p[0] for p in rows)
    A = sum(p[1] for p in rows)
    report = GroupReport(endpoint=redact_text(g.key, key), attempts=R + A + g.unanswered, accepted=A, rejected=R,
                         unanswered=g.unanswered,
                         untracked=tuple(sorted(_attr_label(a, g.spelling) for a in g.untracked)))
    if R == 0:
        return replace(report, note="no rejected attempt" if A else "no answered attempt")
    if A == 0:
        return replace(report, unexplained=_examples(rows, range(len(rows)), 0), unexplained_attempts=R,
                       note="no accepted attempt to compare the rejections with")
    space = _Space(g, keys, rows, R, A, key)
    chosen = space.search()
    cover = _cover(chosen)
    findings = []
    for i, (mask, cond) in enumerate(chosen):
        others = _cover(chosen[:i] + chosen[i + 1:])
        r, a = space.counts(mask)
        alts = [(n, x.condition(space.absent_seen[x.attr], g.spelling, key))
                for n, lit in enumerate(cond) for x in space.alternatives.get(lit.mask, [])]
        findings.append(Finding(tuple(lit.condition(space.absent_seen[lit.attr], g.spelling, key) for lit in cond),
                                r, a, space.rej(mask & ~others), R, A, tuple(alts),
                                space.test_command(mask, others, cond)))
    uncovered = [i for i, p in enumerate(rows) if p[0] and not cover >> i & 1]
    unexplained = tuple(Attempts(u.source, u.attempts, space.bisect_nearest(i, cover) if n < 3 else ())
                        for n, (i, u) in enumerate(zip(_top(rows, uncovered, 0), _examples(rows, uncovered, 0))))
    exceptional = [i for i, p in enumerate(rows) if p[1] and cover >> i & 1]
    return replace(report, findings=tuple(findings), unexplained=unexplained,
                   unexplained_attempts=space.rej(space.everything & ~cover),
                   exceptions=_examples(rows, exceptional, 1), exception_attempts=space.acc(cover),
                   note="" if findings else _no_finding_note(space))


def _no_finding_note(space: _Space) -> str:
    """Say why nothing was reported: nothing separates, or too few attempts to tell which of several does."""
    perfect = sum(1 + len(space.alternatives.get(lit.mask, ())) for lit in space.candidates
                  if (lit.r, lit.a) == (space.R, 0))
    if not perfect:
        return "no condition separates the rejected attempts from the accepted ones"
    what = "one condition separates" if perfect == 1 else f"{perfect} conditions each separate"
    return (f"too few attempts to tell: {what} the {space.R} rejected from the {space.A} accepted attempt(s), "
            f"too few times to rule out chance; bisect tests {'it' if perfect == 1 else 'them'} against the live "
            "server")


class _Space:
    """The candidate conditions of one group, their masks over its profiles, and the search over them."""

    def __init__(self, g: _Group, keys: list[tuple[int, ...]], rows: list[list[Any]], R: int, A: int,
                 key: bytes) -> None:
        self.g, self.keys, self.rows, self.R, self.A, self.key = g, keys, rows, R, A, key
        self.everything = (1 << len(keys)) - 1
        self.rej = _Weights([p[0] for p in rows])
        self.acc = _Weights([p[1] for p in rows])
        self.absent_seen: dict[Attribute, bool] = {}
        self.accepted_values: dict[Attribute, list[str | None]] = {}
        self.alternatives: dict[int, list[_Literal]] = {}
        self.candidates = self._candidates(self._literals())
        self.literal_bits = math.log2(max(2, len(self.candidates)))

    def counts(self, mask: int) -> tuple[int, int]:
        return self.rej(mask), self.acc(mask)

    def _literals(self) -> list[_Literal]:
        """Every describable split of every attribute's values, absence included."""
        nbytes = (len(self.keys) + 7) // 8
        indices: dict[int, list[int]] = {}
        for i, key in enumerate(self.keys):
            for atom in key:
                indices.setdefault(atom, []).append(i)
        by_attr: dict[Attribute, list[int]] = {}
        for atom in indices:
            by_attr.setdefault(self.g.atom_attr[atom], []).append(atom)
        literals: list[_Literal] = []
        for attr, atoms in sorted(by_attr.items(), key=lambda kv: _attr_sort_key(kv[0])):
            values: list[_Value] = []
            for atom in atoms:
                mask = _mask_of(indices[atom], nbytes)
                values.append((self.g.atom_value[atom], mask, *self.counts(mask)))
            present = 0
            for v in values:
                present |= v[1]
            pr, pa = sum(v[2] for v in values), sum(v[3] for v in values)
            if _mostly_unique((v[0], v[2] + v[3]) for v in values):
                values = [(_OTHER, present, pr, pa)]  # an id: only its presence can tell
            absent = self.R - pr + self.A - pa
            if absent:
                values.append((None, self.everything & ~present, self.R - pr, self.A - pa))
            self.absent_seen[attr] = absent > 0
            self.accepted_values[attr] = [v[0] for v in sorted(values, key=lambda v: (-v[3], v[0] or ""))
                                          if v[3] and v[0] != _OTHER]
            if len(values) > 1:
                literals.extend(_splits(attr, values))
        return literals

    def _candidates(self, literals: list[_Literal]) -> list[_Literal]:
        """Keep one literal per distinct set of attempts matched.

        Within an attribute family the simplest wording wins; across families
        the literals are indistinguishable in this data and are reported together.
        """
        same: dict[int, list[_Literal]] = {}
        for lit in literals:
            lit.r, lit.a = self.counts(lit.mask)
            # Even a literal rejected no more often than chance overall can be half of a conjunction.
            if lit.r and lit.mask != self.everything:
                same.setdefault(lit.mask, []).append(lit)
        out = []
        for mask, lits in same.items():
            per_family: dict[tuple[str, str | None], _Literal] = {}
            for lit in sorted(lits, key=lambda x: x.order):
                per_family.setdefault(lit.attr[:2], lit)
            ranked = sorted(per_family.values(), key=lambda x: x.order)
            out.append(ranked[0])
            self.alternatives[mask] = ranked[1:]
        return sorted(out, key=lambda x: x.order)

    def data_bits(self, r: int, a: int) -> float:
        """Bits to name the exceptions of a cover that matches r rejected and a accepted attempts."""
        return _bits(r + a, a) + _bits(self.R - r + self.A - a, self.R - r)

    def cost(self, conditions: list[tuple[_Literal, ...]], cover: int) -> float:
        """The description length: each condition's literals, plus the exceptions left."""
        return sum(1 + self.literal_bits * len(c) for c in conditions) + self.data_bits(*self.counts(cover))

    def search(self) -> list[tuple[int, tuple[_Literal, ...]]]:
        """Add the condition that shortens the description most until none does; then drop any that no longer pays."""
        chosen: list[tuple[int, tuple[_Literal, ...]]] = []
        best = self.cost([], 0)
        while len(chosen) < MAX_CONDITIONS:
            step = self._best_step(chosen)
            if step is None or step[0] >= best - 1e-9:
                break
            best = step[0]
            chosen.append(step[1:])
        pruned = True
        while pruned and len(chosen) > 1:
            pruned = False
            for i in range(len(chosen)):
                rest = chosen[:i] + chosen[i + 1:]
                cost = self.cost([c for _, c in rest], _cover(rest))
                if cost < best - 1e-9:
                    best, chosen, pruned = cost, rest, True
                    break
        return chosen

    def _best_step(self, chosen: list[tuple[int, tuple[_Literal, ...]]]
                   ) -> tuple[float, int, tuple[_Literal, ...]] | None:
        cover = _cover(chosen)
        cr, ca = self.counts(cover)
        ur, ua = self.R - cr, self.A - ca  # still uncovered
        conds = [c for _, c in chosen]
        options: list[tuple[float, tuple[Any, ...], int, tuple[_Literal, ...]]] = []
        gains: list[tuple[float, int, _Literal]] = []
        for i, lit in enumerate(self.candidates):
            new = cover | lit.mask
            if new == cover:
                continue
            r, a = self.counts(new)
            nr, na = r - cr, a - ca  # what this literal adds
            # A rule for the rejections: rejected at least as often as what is still uncovered. (The bits of
            # exceptions are symmetric: a condition matching mostly accepted attempts would cost as little.)
            if nr and nr * ua >= na * ur:
                options.append((self.data_bits(r, a) + self._model(conds, 1), (1, lit.order), lit.mask, (lit,)))
            if nr:  # weighted relative accuracy on what is uncovered: the pool for conjunctions
                gains.append(((nr + na) / (ur + ua) * (nr / (nr + na) - ur / (ur + ua)), i, lit))
        pool = [lit for wracc, _, lit in sorted(gains, key=lambda t: (-t[0], t[1]))[:PAIR_POOL] if wracc > 0]
        for i, first in enumerate(pool):
            for second in pool[i + 1:]:
                if first.attr[:2] == second.attr[:2]:
                    continue
                mask = first.mask & second.mask
                if mask in (first.mask, second.mask) or (mask | cover) == cover:
                    continue
                pair = tuple(sorted((first, second), key=lambda x: x.order))
                r, a = self.counts(cover | mask)
                if (r - cr) * ua < (a - ca) * ur:  # a rule for the accepted side (see above)
                    continue
                options.append((self.data_bits(r, a) + self._model(conds, 2), (2, pair[0].order, pair[1].order),
                                mask, pair))
        if not options:
            return None
        cost, _, mask, cond = min(options, key=lambda o: (o[0], o[1]))
        return cost, mask, cond

    def _model(self, conds: list[tuple[_Literal, ...]], extra: int) -> float:
        return sum(1 + self.literal_bits * len(c) for c in conds) + 1 + self.literal_bits * extra

    # -- test commands

    def nearest_accepted(self, i: int, cover: int, parts: tuple[_Literal, ...] = ()) -> int | None:
        """Return the accepted profile that differs from profile *i* in the fewest feature values.

        It is one no finding matches, if there is one; for a conjunction, one
        that has none of its parts, so that bisect sees them fail only together.
        """
        mine = set(self.keys[i])
        best = None
        for j, p in enumerate(self.rows):
            if p[1]:
                rank = (cover >> j & 1, sum(lit.mask >> j & 1 for lit in parts),
                        len(mine.symmetric_difference(self.keys[j])), p[3])
                if best is None or rank < best[0]:
                    best = (rank, j)
        return None if best is None else best[1]

    def bisect_nearest(self, i: int, cover: int, parts: tuple[_Literal, ...] = ()) -> tuple[str, ...]:
        good = self.nearest_accepted(i, cover, parts)
        return () if good is None else ("wsdiff", "bisect", self.rows[good][3], self.rows[i][2])

    def test_command(self, mask: int, others: int, cond: tuple[_Literal, ...]) -> tuple[str, ...]:
        """Return one command that tests a finding live: replay a rejected attempt with a variant, or bisect a pair."""
        best = None
        for i, p in enumerate(self.rows):
            if p[0] and mask >> i & 1:
                rank = (others >> i & 1, -p[0], p[2])  # matched by this finding alone, common, stable
                if best is None or rank < best[0]:
                    best = (rank, i)
        if best is None:
            return ()
        i = best[1]
        if len(cond) == 1:
            lits = [cond[0], *self.alternatives.get(cond[0].mask, [])]
            variants = [_variant(lit, self.accepted_values.get(lit.attr, []), self.g.spelling, self.key)
                        for lit in lits]
            if all(variants):
                return ("wsdiff", "replay", self.rows[i][2], *[x for v in variants for x in ("--variant", str(v))])
        return self.bisect_nearest(i, mask | others, cond if len(cond) > 1 else ())


def _splits(attr: Attribute, values: list[_Value]) -> Iterable[_Literal]:
    """Yield the describable splits of an attribute's values.

    The splits in order of rejection rate (CART's optimal binary splits of a
    category) make the best single conditions; each value on its own, and
    every value but one, are the parts a conjunction needs, whose best split
    within the other part need not be a best split overall.
    """
    everything = 0
    for v in values:
        everything |= v[1]
    for v in values:
        if v[0] != _OTHER and v[2] + v[3] > 1:
            yield _Literal(attr, (v[0],), False, v[1], _wording([v]))
            # Every value but one, even of two: "present" is shorter than the one value it also matches, and
            # "not a" is how the values past the cap are said.
            yield _Literal(attr, (v[0],), True, everything & ~v[1], _wording([v]))
    ordered = sorted(values, key=lambda v: (-v[2] / (v[2] + v[3]), -(v[2] + v[3]), "" if v[0] is None else v[0]))
    rates = [v[2] / (v[2] + v[3]) for v in ordered]
    for k in range(1, len(ordered)):
        if rates[k] == rates[k - 1]:
            continue
        inside, outside = ordered[:k], ordered[k:]
        mask = 0
        for v in inside:
            mask |= v[1]
        positive = all(v[0] != _OTHER for v in inside) and len(inside) - _has_absent(inside) <= MAX_LISTED
        negative = all(v[0] != _OTHER for v in outside) and len(outside) - _has_absent(outside) <= MAX_LISTED
        # Say the shorter list ("absent" and "present" count half a value); on a tie, the rejecting values.
        if positive and (not negative or _wording(inside) <= _wording(outside)):
            yield _Literal(attr, _sorted_values(v[0] for v in inside), False, mask, _wording(inside))
        elif negative:
            yield _Literal(attr, _sorted_values(v[0] for v in outside), True, mask, _wording(outside))


def _has_absent(values: list[_Value]) -> int:
    return sum(1 for v in values if v[0] is None)


def _wording(values: list[_Value]) -> float:
    return len(values) - 0.5 * _has_absent(values)


def _sorted_values(values: Iterable[str | None]) -> tuple[str | None, ...]:
    return tuple(sorted(values, key=lambda v: (v is not None, v or "")))


def _attr_label(attr: Attribute, spelling: dict[str, str]) -> str:
    kind, name, facet = attr
    if kind == "header" and name is not None:
        name = spelling.get(name, name)
    return " ".join(x for x in (kind, name, None if facet == "value" else f"({facet})") if x)


def _top(rows: list[list[Any]], indices: Iterable[int], column: int, limit: int = 20) -> list[int]:
    """Return the profiles with the most attempts in *column* (0 rejected, 1 accepted), stable by example."""
    return sorted(indices, key=lambda i: (-rows[i][column], rows[i][column + 2]))[:limit]


def _examples(rows: list[list[Any]], indices: Iterable[int], column: int, limit: int = 20) -> tuple[Attempts, ...]:
    return tuple(Attempts(rows[i][column + 2], rows[i][column]) for i in _top(rows, indices, column, limit))


def _variant(lit: _Literal, accepted_values: list[str | None], spelling: dict[str, str], key: bytes) -> str | None:
    """Return the replay variant that moves an attempt to the accepted side of *lit*, if there is one."""
    kind, name, facet = lit.attr
    if facet != "value" or name is None and kind != "path":
        return None
    # The most common value on the accepted side of the condition.
    fits = [v for v in accepted_values if (v in lit.values) == lit.negated]
    if not fits:
        return None
    spelled = spelling.get(name, name) if name is not None else None
    value = _redacted(lit.attr, fits[0], spelled, key)  # a credential goes by its fingerprint: replay restores it
    if kind == "path":
        return f"path={value}" if value else None
    if kind == "query-param":
        return f"drop-query-param={name}" if value is None else None
    if kind != "header" or name is None:
        return None
    if name == "origin":
        return "drop-origin" if value is None else f"set-origin={value}"
    if name == "host":
        return f"host={value}" if value else None
    if value is None:
        return "drop-user-agent" if name == "user-agent" else f"drop-header={spelled}"
    return f"set-header={spelled}:{value}"
