"""Proving an organization owns an email domain before its connections cover it.

Each allowed domain of a connection becomes a ``DomainClaim`` of the organization with a random
token. The coordinator adds the DNS TXT record ``mentorship-domain-verification=<token>`` on the
domain (or on ``_mentorship.<domain>``) and presses "Verify" (``claim_verify``); site staff may
instead mark a claim verified in the admin (``claim_mark_verified``), for an organization that
cannot edit its DNS. A verified domain belongs to one organization only. The DNS servers asked
are ``settings.SSO_DNS_NAMESERVERS`` ("address" or "address:port"; empty: the system's).
"""

import dns.exception
import dns.resolver
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from mentorship.exceptions import ServiceError
from programs.models import Membership
from programs.services.access import require_coordinator
from programs.services.audit import audit
from sso.models import VERIFICATION_PREFIX, DomainClaim

DNS_TIMEOUT_SECONDS = 5


def ensure_claims(organization, domains) -> None:
    """A claim for each of the domains (new ones unverified, with their token)."""
    with scopes_disabled():
        have = set(DomainClaim.objects.filter(organization=organization).values_list("domain", flat=True))
        for domain in domains:
            if domain not in have:
                DomainClaim.objects.create(organization=organization, domain=domain)


def verified_elsewhere(organization, domains) -> list[str]:
    with scopes_disabled():
        return sorted(
            DomainClaim.objects.filter(domain__in=list(domains), verified_at__isnull=False)
            .exclude(organization=organization)
            .values_list("domain", flat=True)
        )


def resolver() -> dns.resolver.Resolver:
    servers = list(getattr(settings, "SSO_DNS_NAMESERVERS", []) or [])
    if not servers:
        result = dns.resolver.Resolver()
    else:
        result = dns.resolver.Resolver(configure=False)
        addresses, ports = [], {}
        for server in servers:
            address, _, port = server.rpartition(":") if server.count(":") == 1 else (server, "", "")
            addresses.append(address)
            if port:
                ports[address] = int(port)
        result.nameserver_ports = ports  # before the addresses: dnspython reads the ports then
        result.nameservers = addresses
    result.timeout = result.lifetime = DNS_TIMEOUT_SECONDS
    return result


def txt_records(name: str) -> list[str]:
    try:
        answer = resolver().resolve(name, "TXT", raise_on_no_answer=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoNameservers, dns.resolver.NoAnswer):
        return []
    except dns.exception.DNSException:
        raise ServiceError(f"The DNS of {name} did not answer. Try again in a few minutes.") from None
    texts = []
    for record in answer:
        texts.append(b"".join(record.strings).decode("utf-8", "replace").strip())
    return texts


def dns_proves(claim: DomainClaim) -> bool:
    expected = claim.record
    return any(expected in txt_records(name) for name in (claim.domain, f"_mentorship.{claim.domain}"))


def _mark(claim: DomainClaim, *, user, how: str) -> DomainClaim:
    """Mark the (locked) claim verified, unless another organization holds the domain."""
    if verified_elsewhere(claim.organization, [claim.domain]):
        raise ServiceError(f"{claim.domain} is already verified by another organization.")
    claim.verified_at, claim.verified_by, claim.verified_how = timezone.now(), user, how
    try:
        with transaction.atomic():
            claim.save(update_fields=["verified_at", "verified_by", "verified_how"])
    except IntegrityError:
        raise ServiceError(f"{claim.domain} is already verified by another organization.") from None
    audit(
        organization=claim.organization,
        actor=user,
        action="sso.domain_verified",
        summary=f"Verified the email domain {claim.domain} ({'DNS record' if how == 'dns' else 'by site staff'})",
        domain=claim.domain,
    )
    return claim


def claim_verify(*, actor: Membership, claim: DomainClaim) -> DomainClaim:
    """Look for the claim's TXT record and, found, mark the domain verified."""
    with transaction.atomic():
        require_coordinator(actor, actor.organization)
    if claim.organization_id != actor.organization_id:
        raise ServiceError("This domain is not your organization's.")
    if claim.verified_at:
        return claim
    found = dns_proves(claim)  # before the transaction: a slow DNS holds no lock
    with transaction.atomic():
        require_coordinator(actor, actor.organization)
        with scopes_disabled():
            locked = DomainClaim.objects.select_for_update().filter(pk=claim.pk, organization=actor.organization)
            locked = locked.select_related("organization").first()
        if locked is None:
            raise ServiceError("This domain is not your organization's any more.")
        if not found:
            raise ServiceError(
                f"No TXT record “{VERIFICATION_PREFIX}{locked.token}” was found on {locked.domain} or "
                f"_mentorship.{locked.domain}. DNS changes can take a while to appear; try again later."
            )
        return _mark(locked, user=actor.user, how="dns")


def claim_mark_verified(*, staff_user, claim: DomainClaim) -> DomainClaim:
    """Site staff vouch for the organization's domain (the admin's action)."""
    if not (staff_user and staff_user.is_active and staff_user.is_staff):
        raise ServiceError("Only site staff may mark a domain verified.")
    with transaction.atomic(), scopes_disabled():
        locked = DomainClaim.objects.select_for_update().select_related("organization").get(pk=claim.pk)
        if locked.verified_at:
            return locked
        return _mark(locked, user=staff_user, how="staff")
