"""Who is asking: the client's address, and the network a limit counts it under.

Its own module because the rate limits, the request log and the /metrics guard all
need it, and none of them should import another to get it.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

# One IPv6 subscriber gets at least a /64 (RFC 6177): an attacker can pick any of its
# 2^64 addresses, so a limit keyed by the full address would not limit anything.
IPV6_PREFIX = 64


def client_ip(group: str | None, request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the X-Forwarded-For entry written by the
    outermost of TRUSTED_PROXY_COUNT proxies. Entries further left are the client's own
    claims and are never trusted, so a forged header cannot reset a limit.

    ``group`` is unused; it is there so django-ratelimit can call this as a key."""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) >= hops:
        return forwarded[-hops]
    return forwarded[0] if forwarded else remote


def network_of(address: str) -> str:
    """The bucket a limit counts ``address`` in: an IPv4 address itself, an IPv6
    address's /64 (an IPv4-mapped IPv6 address counts as its IPv4 address). Anything
    that is not an address is its own bucket, unchanged."""
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, IPV6_PREFIX), strict=False))
    return str(parsed)


def client_network(group: str | None, request: HttpRequest) -> str:
    """client_ip() grouped by network_of(): the key of every per-client limit."""
    return network_of(client_ip(group, request))
