"""The allauth adapters of single sign-on.

``SSOAccountAdapter`` (settings.ACCOUNT_ADAPTER) keeps sign-up by invitation and refuses a
password sign-in, sign-up or reset for an address in the domains of an "SSO only"
connection, pointing to the organization's sign-in instead.

``SSOSocialAccountAdapter`` (settings.SOCIALACCOUNT_ADAPTER) runs allauth's OpenID Connect
and SAML providers with the organizations' connections (``sso.models.IdentityProvider``):
- only enabled connections exist for allauth, with their secret decrypted in memory;
- an address outside the connection's allowed domains, or in one its organization has not
  proved it owns (``sso.models.DomainClaim``), never signs in through it;
- an identity links to an EXISTING account by address only if that account is an active member
  of the organization or the domain is verified (``can_authenticate_by_email``);
- allauth's requests at sign-in go through ``sso.outbound``'s checked, pinned session;
- an address counts as verified only if the provider says so (OIDC ``email_verified``, a
  SAML ``email_verified`` attribute) or the coordinator marked the provider as verifying
  its domains; only a verified address is linked to an existing account
  (SOCIALACCOUNT_EMAIL_AUTHENTICATION) or makes a new one;
- a new account is made only with auto-join on; the person becomes a member on sign-in
  (``sso.services.signin.after_sign_in``, from the ``user_logged_in`` signal).
"""

from allauth.account.signals import user_logged_in
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.dispatch import receiver
from django.shortcuts import render

from programs.adapters import InvitationAccountAdapter
from sso import outbound, selectors
from sso.models import email_domain
from sso.services import signin

# Pages where a password is chosen, used or reset: "SSO only" addresses are refused there.
PASSWORD_PAGES = {"account_signup", "account_reset_password", "account_login"}


def sso_only_message(connection) -> str:
    return (
        f"Addresses at {connection.allowed_domains[0] if len(connection.allowed_domains) == 1 else 'this domain'} "
        f"sign in through {connection.organization.name}’s single sign-on ({connection.name}), not with a "
        "password. Use “Sign in with your organization” instead."
    )


def refuse_if_sso_only(email: str) -> None:
    connection = selectors.sso_only_connection(email or "")
    if connection is not None:
        raise forms.ValidationError(sso_only_message(connection), code="sso_only")


class SSOAccountAdapter(InvitationAccountAdapter):
    def authenticate(self, request, **credentials):
        refuse_if_sso_only(credentials.get("email") or "")
        return super().authenticate(request, **credentials)

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email)
        request = getattr(allauth_context, "request", None)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name in PASSWORD_PAGES:
            refuse_if_sso_only(email)
        return email


def _refuse(request, connection, email: str, reason: str):
    if connection is not None:
        signin.record_refusal(connection=connection, email=email, reason=reason)
    response = render(request, "sso/refused.html", {"reason": reason, "connection": connection}, status=403)
    raise ImmediateHttpResponse(response)


class SSOSocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request, provider=None, client_id=None):
        apps = super().list_apps(request, provider=provider, client_id=client_id)
        connections = selectors.connections_by_app_pk(app.pk for app in apps if app.pk)
        kept = []
        for app in apps:
            connection = connections.get(app.pk)
            if connection is None:
                continue  # only the organizations' connections sign anyone in
            if not connection.enabled:
                continue
            app.secret = connection.client_secret
            kept.append(app)
        return kept

    def list_providers(self, request):
        # No list of every organization's provider on shared pages: people find theirs by
        # their address ("Sign in with your organization") or their organization's start page.
        return []

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        connection = selectors.connection_for_app(sociallogin.provider.app)
        if connection is None:
            return user
        name = signin.mapped(connection, sociallogin.account.extra_data)["name"]
        user.full_name = (
            name or " ".join(p for p in (data.get("first_name"), data.get("last_name")) if p) or data.get("name") or ""
        )[:150]
        for address in sociallogin.email_addresses:
            claimed = bool(address.verified) or connection.trust_emails
            address.verified = claimed and connection.covers(address.email)
        return user

    @staticmethod
    def _email(sociallogin) -> str:
        if sociallogin.email_addresses:
            return sociallogin.email_addresses[0].email
        return getattr(sociallogin.user, "email", "") or ""

    @staticmethod
    def _verified(sociallogin, email: str) -> bool:
        return any(a.verified and a.email.lower() == email.lower() for a in sociallogin.email_addresses)

    def pre_social_login(self, request, sociallogin):
        connection = selectors.connection_for_app(sociallogin.provider.app)
        email = self._email(sociallogin)
        if connection is None or not connection.enabled:
            _refuse(request, connection, email, "This sign-in is turned off.")
        if not email:
            _refuse(request, connection, email, "The identity provider did not send an email address.")
        if not connection.covers(email) and email_domain(email) in connection.allowed_domains:
            _refuse(
                request,
                connection,
                email,
                f"{connection.organization.name} has not proved that it owns {email_domain(email)} yet, so nobody "
                "signs in with such an address through its provider. Sign in with your password.",
            )
        if not connection.covers(email):
            _refuse(
                request,
                connection,
                email,
                f"{email} is not in the email domains {connection.organization.name} signs in this way.",
            )
        if sociallogin.is_existing:
            return
        if not self._verified(sociallogin, email):
            _refuse(
                request,
                connection,
                email,
                f"The identity provider did not confirm that {email} is verified, so it cannot be linked to an "
                "account or make one. Sign in with your password, or ask your program office.",
            )
        if selectors.account_exists(email):
            # Not linked by address (``can_authenticate_by_email`` said no): never a second account.
            _refuse(
                request,
                connection,
                email,
                f"An account with {email} already exists and this provider may not sign in to it. Sign in with "
                "your password, or ask your program office.",
            )
        if not connection.auto_join:
            _refuse(
                request,
                connection,
                email,
                f"{email} has no account here yet, and {connection.organization.name} adds people by invitation.",
            )

    def is_open_for_signup(self, request, sociallogin):
        connection = selectors.connection_for_app(sociallogin.provider.app)
        email = self._email(sociallogin)
        return bool(
            connection
            and connection.enabled
            and connection.auto_join
            and connection.covers(email)
            and self._verified(sociallogin, email)
        )

    def is_auto_signup_allowed(self, request, sociallogin):
        return True

    def get_requests_session(self):
        # allauth's requests at sign-in (discovery, token, userinfo, key set) follow addresses
        # the provider's discovery document names: checked and pinned, no redirects (sso.outbound).
        from allauth.socialaccount import app_settings

        return outbound.pinned_session(timeout=app_settings.REQUESTS_TIMEOUT)

    def can_authenticate_by_email(self, login, email: str) -> bool:
        """Link an identity to an EXISTING account by its address only when that account is
        already an active member of the connection's organization, or the address's domain is
        verified for the connection. Otherwise a provider that says "verified" about someone
        else's address would sign in as them (``pre_social_login`` then refuses with a message)."""
        connection = selectors.connection_for_app(login.provider.app)
        if connection is None or not connection.enabled:
            return False
        if connection.covers(email):
            return super().can_authenticate_by_email(login, email)
        if selectors.is_active_member_by_email(connection.organization, email):
            return super().can_authenticate_by_email(login, email)
        return False

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        connection = selectors.connection_for_app(getattr(provider, "app", None))
        if connection is not None:
            detail = (extra_context or {}).get("saml_last_error_reason") or exception or error or "unknown"
            detail = str(detail)[:160]
            signin.record_refusal(
                connection=connection, email="", reason=f"the provider's answer was refused ({detail})"
            )
        return super().on_authentication_error(request, provider, error, exception, extra_context)


@receiver(user_logged_in)
def _joined_on_sign_in(sender, request, user, sociallogin=None, **kwargs) -> None:
    if sociallogin is None:
        return
    connection = selectors.connection_for_app(sociallogin.provider.app)
    if connection is not None:
        signin.after_sign_in(connection=connection, user=user, extra_data=sociallogin.account.extra_data)
