"""taskflow.client_ip: which address a request comes from, and the bucket it counts in."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from taskflow.client_ip import client_ip, client_network, network_of


@pytest.mark.parametrize(
    ("address", "bucket"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("::1", "::/64"),
        ("not an address", "not an address"),
        ("", ""),
    ],
)
def test_network_of_groups_ipv6_per_64(address, bucket):
    assert network_of(address) == bucket


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "10.0.0.2"),
        (1, "198.51.100.1, 2001:db8::5", "2001:db8::5"),
        (2, "198.51.100.1, 2001:db8::5, 10.0.0.1", "2001:db8::5"),
        (2, "2001:db8::5", "2001:db8::5"),  # fewer entries than proxies: the leftmost
        (1, "", "10.0.0.2"),
    ],
)
def test_client_ip_trusts_only_the_proxies_entries(settings, trusted, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = trusted
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(None, request) == expected
    assert client_network(None, request) == network_of(expected)
