"""The client address: forwarded headers believed only from TODOKE_TRUSTED_PROXIES, read
from the right, so nothing a client writes can choose the address it is counted under."""

from __future__ import annotations

import pytest

from todoke.settings import load_settings
from todoke.web.forwarded import ClientResolver, parse_networks, rate_key

PROXIES = parse_networks(["127.0.0.1", "10.0.0.0/8", "fd00::/8"])


def scope(peer: str | None, *headers: tuple[str, str]) -> dict:
    return {
        "type": "http",
        "client": (peer, 51000) if peer else None,
        "headers": [(k.encode(), v.encode()) for k, v in headers],
    }


def resolve(peer: str | None, *headers: tuple[str, str], header: str = "x-forwarded-for"):
    return ClientResolver(PROXIES, header).resolve(scope(peer, *headers))


def test_no_trusted_proxies_means_no_forwarded_header_is_believed() -> None:
    nobody = ClientResolver(())
    for peer in ("127.0.0.1", "10.1.2.3", "::1"):
        forged = scope(peer, ("x-forwarded-for", "203.0.113.9"), ("x-forwarded-proto", "https"))
        assert nobody.resolve(forged) == (peer, None)


def test_an_untrusted_peer_is_the_client_whatever_it_writes() -> None:
    assert resolve("198.51.100.4", ("x-forwarded-for", "203.0.113.9")) == ("198.51.100.4", None)
    assert resolve("198.51.100.4", ("forwarded", "for=203.0.113.9"), header="forwarded") == (
        "198.51.100.4",
        None,
    )


def test_the_client_is_the_rightmost_untrusted_hop() -> None:
    # nginx appends the address it saw; whatever the client wrote stays on the left.
    assert resolve("127.0.0.1", ("x-forwarded-for", "1.1.1.1, 203.0.113.9")) == (
        "203.0.113.9",
        None,
    )
    # Two trusted proxies in a row (a load balancer in 10/8, then nginx on loopback).
    assert resolve("127.0.0.1", ("x-forwarded-for", "6.6.6.6, 203.0.113.9, 10.0.0.7")) == (
        "203.0.113.9",
        None,
    )
    # Several header lines are one list, in order.
    assert resolve(
        "127.0.0.1", ("x-forwarded-for", "6.6.6.6"), ("x-forwarded-for", "203.0.113.9")
    ) == ("203.0.113.9", None)
    # Every hop trusted: the leftmost one.
    assert resolve("127.0.0.1", ("x-forwarded-for", "10.9.9.9, 10.0.0.7"))[0] == "10.9.9.9"
    # No header: the proxy itself.
    assert resolve("127.0.0.1")[0] == "127.0.0.1"


def test_a_hop_that_is_not_an_address_stops_the_walk_at_the_last_vouched_one() -> None:
    assert resolve("127.0.0.1", ("x-forwarded-for", "203.0.113.9, junk"))[0] == "127.0.0.1"
    assert resolve("127.0.0.1", ("x-forwarded-for", "junk, 10.0.0.7"))[0] == "10.0.0.7"
    assert resolve("127.0.0.1", ("x-forwarded-for", ""))[0] == "127.0.0.1"


def test_the_forwarded_header_of_rfc_7239() -> None:
    forwarded = 'for=6.6.6.6;proto=http, for="[2001:db8::17]:4711";proto=https;by=10.0.0.7'
    assert resolve("10.0.0.7", ("forwarded", forwarded), header="forwarded") == (
        "2001:db8::17",
        "https",
    )
    assert resolve("10.0.0.7", ("forwarded", "for=203.0.113.9:8080"), header="forwarded") == (
        "203.0.113.9",
        None,
    )
    # Configured for Forwarded: an X-Forwarded-For the proxy passed through is the client's.
    assert (
        resolve(
            "10.0.0.7",
            ("x-forwarded-for", "6.6.6.6"),
            ("forwarded", "for=203.0.113.9"),
            header="forwarded",
        )[0]
        == "203.0.113.9"
    )
    # And the other way round.
    assert resolve("10.0.0.7", ("forwarded", "for=6.6.6.6"), ("x-forwarded-for", "203.0.113.9"))[
        0
    ] == ("203.0.113.9")


def test_the_scheme_is_believed_only_from_a_trusted_proxy() -> None:
    assert (
        resolve("127.0.0.1", ("x-forwarded-for", "203.0.113.9"), ("x-forwarded-proto", "https"))[1]
        == "https"
    )
    assert resolve("198.51.100.4", ("x-forwarded-proto", "https"))[1] is None
    assert resolve("127.0.0.1", ("x-forwarded-proto", "javascript"))[1] is None


def test_ipv4_mapped_peers_match_ipv4_networks() -> None:
    assert resolve("::ffff:127.0.0.1", ("x-forwarded-for", "203.0.113.9"))[0] == "203.0.113.9"
    assert resolve("fd12::1", ("x-forwarded-for", "2001:db8::5"))[0] == "2001:db8::5"


def test_ipv6_clients_are_counted_by_their_64() -> None:
    assert (
        rate_key("2001:db8:1:2:aaaa::1")
        == rate_key("2001:db8:1:2:bbbb::9")
        == ("2001:db8:1:2::/64")
    )
    assert rate_key("2001:db8:1:3::1") != rate_key("2001:db8:1:2::1")
    assert rate_key("203.0.113.9") == "203.0.113.9"
    assert rate_key("unknown") == "unknown"


def test_the_setting_is_read_and_checked(env_isolated) -> None:
    settings = load_settings({"TODOKE_TRUSTED_PROXIES": " 127.0.0.1, 10.0.0.0/8 ,::1"})
    assert settings.trusted_proxies == ("127.0.0.1", "10.0.0.0/8", "::1")
    assert load_settings({}).trusted_proxies == ()
    for wrong in ("localhost", "10.0.0.0/33", "10.0.0.1;rm"):
        with pytest.raises(ValueError, match="TODOKE_TRUSTED_PROXIES"):
            load_settings({"TODOKE_TRUSTED_PROXIES": wrong})
    with pytest.raises(ValueError, match="TODOKE_FORWARDED_HEADER"):
        load_settings({"TODOKE_FORWARDED_HEADER": "x-real-ip"})
    assert load_settings({"TODOKE_FORWARDED_HEADER": "forwarded"}).forwarded_header == "forwarded"
