"""A DNS server on loopback for the domain-verification tests: dnslib's ``DNSServer`` on a
random UDP port answering TXT questions from a dict the test fills (name -> texts)."""

from dnslib import QTYPE, RR, TXT
from dnslib.server import BaseResolver, DNSLogger, DNSServer


class TXTResolver(BaseResolver):
    def __init__(self):
        self.records: dict[str, list[str]] = {}

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        if request.q.qtype == QTYPE.TXT:
            for text in self.records.get(name, []):
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(text), ttl=60))
        return reply


class LoopbackDNS:
    def __init__(self):
        self.resolver = TXTResolver()
        self.server = DNSServer(
            self.resolver, address="127.0.0.1", port=0, logger=DNSLogger(log="-request,-reply,-truncated,-error")
        )
        self.server.start_thread()
        self.port = self.server.server.server_address[1]

    @property
    def nameserver(self) -> str:
        return f"127.0.0.1:{self.port}"

    def publish(self, name: str, text: str) -> None:
        self.resolver.records.setdefault(name.lower(), []).append(text)

    def stop(self) -> None:
        self.server.stop()
        self.server.server.server_close()


def verify_by_dns(client, coordinator, connection, dns: LoopbackDNS, *, prefix: str = "") -> None:
    """Publish each claim's TXT record on the loopback DNS and press the connection page's Verify
    (as the coordinator, signed in on ``client``)."""
    from django.urls import reverse
    from django_scopes import scopes_disabled

    from sso.models import DomainClaim

    with scopes_disabled():
        claims = list(DomainClaim.objects.filter(organization=connection.organization_id, verified_at=None))
    for claim in claims:
        if claim.domain not in connection.allowed_domains:
            continue
        dns.publish(prefix + claim.domain, claim.record)
        url = reverse(
            "sso_domain_verify",
            kwargs={"org_slug": coordinator.organization.slug, "pk": connection.pk, "claim": claim.pk},
        )
        assert client.post(url).status_code == 302
        claim.refresh_from_db()
        assert claim.verified_at is not None, claim.domain
