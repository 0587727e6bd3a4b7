"""Who is calling: the client's address, believing forwarded headers only from proxies the
operator named (``TODOKE_TRUSTED_PROXIES``).

Anyone can send ``X-Forwarded-For: 1.2.3.4``; only a proxy we put there can vouch for it.
A proxy appends the address it saw to the right of the list, so the list is read from the
right: every hop that is itself a trusted proxy is skipped and the first one that is not is
the client (the "rightmost untrusted hop"). Whatever a client wrote further left is never
read. The edge middleware resolves this once per request and puts the answer in the ASGI
scope, so rate limits, audit events and sessions all key on the same address.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Any

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network

# The headers a trusted proxy may write the client's address into (TODOKE_FORWARDED_HEADER).
# Only one is read: a proxy appends to the one it writes and passes any other through as the
# client sent it, so reading both would let a client choose its own address.
FORWARDED_HEADERS = ("x-forwarded-for", "forwarded")
UNKNOWN = "unknown"


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """``10.0.0.5`` or ``10.0.0.0/8`` (IPv4 or IPv6) each; ``ValueError`` for anything else."""
    networks = []
    for value in values:
        network = ip_network(value.strip(), strict=False)
        networks.append(network)
    return tuple(networks)


# Kept: parsing the peer's address with ipaddress took a few µs of every request, and a
# server sees the same few addresses (its proxies, its clients) again and again.
@functools.lru_cache(maxsize=4096)
def _address(text: str) -> Address | None:
    """An address from a header hop: ``1.2.3.4``, ``1.2.3.4:5678``, ``2001:db8::1`` or
    ``"[2001:db8::1]:4711"`` (RFC 7239 quoting); None for ``unknown``, ``_obfuscated`` and junk."""
    text = text.strip().strip('"')
    if text.startswith("["):
        end = text.find("]")
        text = text[1:end] if end > 0 else ""
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.split(":", 1)[0]
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _split_list(value: str) -> list[str]:
    """A comma-separated header value, commas inside quoted strings kept."""
    items: list[str] = []
    current: list[str] = []
    quoted = False
    for char in value:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def _forwarded_pairs(element: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for pair in element.split(";"):
        name, _, value = pair.partition("=")
        pairs[name.strip().lower()] = value.strip().strip('"')
    return pairs


def _header_values(scope: Any, name: bytes) -> list[str]:
    """Every line of a header, in order (a proxy may add a line rather than extend one)."""
    return [v.decode("latin-1") for k, v in scope.get("headers", ()) if k == name]


def _list_header(scope: Any, name: bytes) -> list[str]:
    return [item for line in _header_values(scope, name) for item in _split_list(line)]


class ClientResolver:
    """Resolves the client address and scheme of an ASGI request."""

    def __init__(self, trusted: tuple[Network, ...], header: str = "x-forwarded-for") -> None:
        if header not in FORWARDED_HEADERS:
            raise ValueError(f"forwarded header must be one of {FORWARDED_HEADERS}")
        self.trusted = trusted
        self.header = header

    def trusts(self, address: Address | None) -> bool:
        return address is not None and any(address in network for network in self.trusted)

    def resolve(self, scope: Any) -> tuple[str, str | None]:
        """(client address, scheme the client used or None to keep the connection's)."""
        peer = scope.get("client")
        peer_address = _address(str(peer[0])) if peer else None
        if peer_address is None:
            return (str(peer[0]) if peer else UNKNOWN), None
        if not self.trusted or not self.trusts(peer_address):
            return str(peer_address), None
        hops, protos = self._hops(scope)
        client, scheme = peer_address, protos[-1] if protos else None
        for index in range(len(hops) - 1, -1, -1):
            hop = _address(hops[index])
            if hop is None:
                break  # a hop we cannot read: keep the last one a trusted proxy vouched for
            client, scheme = hop, protos[index] or scheme
            if not self.trusts(hop):
                break
        return str(client), scheme if scheme in ("http", "https") else None

    def _hops(self, scope: Any) -> tuple[list[str], list[str | None]]:
        """The forwarded hops, left to right, and the scheme each hop reached its proxy by."""
        if self.header == "forwarded":
            elements = [
                _forwarded_pairs(element)
                for line in _header_values(scope, b"forwarded")
                for element in _split_list(line)
            ]
            return [e.get("for", "") for e in elements], [
                (e.get("proto") or "").lower() or None for e in elements
            ]
        hops = _list_header(scope, b"x-forwarded-for")
        # X-Forwarded-Proto is one value for the exchange: the one the nearest proxy set.
        values = _list_header(scope, b"x-forwarded-proto")
        proto = values[-1].lower() if values else None
        return hops, [proto] * max(len(hops), 1)


def client_address(connection: Any) -> str:
    """The calling client's address, as the edge resolved it: the one function rate
    limits, audit events and sessions key on."""
    client = getattr(connection, "client", None)
    return client.host if client and client.host else UNKNOWN


def rate_key(address: str) -> str:
    """The unit a per-address limit counts: one IPv4 address, or the /64 an IPv6 address is
    in (one subscriber usually holds a whole /64 and could rotate through it)."""
    parsed = _address(address)
    if isinstance(parsed, IPv6Address):
        return str(ip_network(f"{parsed}/64", strict=False))
    return address


def request_origin(scope: Any) -> str:
    """The origin the browser reached (scheme://host[:port], lower case): the scheme the edge
    resolved (a trusted proxy's X-Forwarded-Proto) and the Host header. Which municipality a
    request is for, and whether its Origin is its own, are read from it."""
    hosts = _header_values(scope, b"host")
    return f"{scope.get('scheme', 'http')}://{(hosts[0] if hosts else '').lower()}"
