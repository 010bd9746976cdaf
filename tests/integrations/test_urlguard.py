"""The SSRF guard's review (issue 20 follow-up): IPv6 addresses that wrap a private IPv4
one (NAT64, 6to4; Teredo and the local-use NAT64 prefix outright), which Python 3.11 counts as
global, and ports of internal services."""

import pytest

from integrations import urlguard


@pytest.fixture
def production(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    settings.WEBHOOKS_REQUIRE_HTTPS = False


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254, the metadata service
        "64:ff9b:1::808:808",  # the local-use NAT64 prefix: refused whatever it wraps
        "64:ff9b:1:abcd::a00:1",
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:c0a8:105::1",  # 6to4 of 192.168.1.5
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "2001:0:a00:1:8000:63bf:f5ff:fffe",  # Teredo wrapping 10.0.0.1 as its client
        "::a00:1",  # IPv4-compatible (deprecated) 10.0.0.1
        "::808:808",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
    ],
)
def test_ipv6_addresses_wrapping_a_private_ipv4_one_are_refused(address):
    assert urlguard.address_refused(address)


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "2002:808:808::1", "2606:4700::1111", "8.8.8.8"])
def test_public_addresses_pass(address):
    assert not urlguard.address_refused(address)


def test_a_host_resolving_to_a_wrapped_private_address_is_refused(production, monkeypatch):
    answers = {"nat64.example.org": ["64:ff9b::a9fe:a9fe"], "sixtofour.example.org": ["2002:a00:1::1"]}
    real = urlguard.resolve
    monkeypatch.setattr(urlguard, "resolve", lambda host, port: answers.get(host) or real(host, port))
    for host in answers:
        problem, address = urlguard.check(f"https://{host}/hook")
        assert "private, loopback or reserved" in problem and address is None
    # The literal forms too.
    assert "private" in urlguard.refusal("http://[64:ff9b::7f00:1]/hook")
    assert "private" in urlguard.refusal("http://[2002:7f00:1::]/hook")


@pytest.mark.parametrize("port", [0, 1, 22, 25, 110, 1023, 3306, 5432, 6379, 11211, 27017])
def test_internal_service_ports_are_refused(production, port):
    problem = urlguard.refusal(f"http://93.184.215.14:{port}/hook")
    assert problem and f"Port {port}" in problem


@pytest.mark.parametrize("port", [80, 443, 1024, 8080, 8443, 65535])
def test_web_and_unprivileged_ports_pass(production, port):
    assert urlguard.refusal(f"http://93.184.215.14:{port}/hook") is None


def test_the_default_ports_pass_and_a_port_past_65535_is_refused(production):
    assert urlguard.check("https://93.184.215.14/hook") == (None, "93.184.215.14")
    assert urlguard.refusal("http://93.184.215.14/hook") is None
    assert urlguard.refusal("http://93.184.215.14:65536/hook") == "Enter a valid URL."


def test_development_allows_any_port(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    assert urlguard.refusal("http://localhost:5432/hook") is None


def test_the_form_shows_the_port_refusal(production, client, coordinator_a):
    from django_scopes import scopes_disabled

    from integrations.models import Webhook

    client.force_login(coordinator_a.user)
    response = client.post(
        "/o/alpha/settings/webhooks/add/", {"url": "http://93.184.215.14:6379/hook", "events": ["relationship.started"]}
    )
    assert response.status_code == 200 and "Port 6379 is not one a webhook may use" in response.content.decode()
    with scopes_disabled():
        assert not Webhook.objects.exists()
